"""Words of the demo shop in Chinese and English: sources, catalogue, regions, keywords, review texts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """One traffic source and how its visitors behave.

    ``conversion`` is the chance that a visit (of a new visitor) ends in an order on a normal day;
    ``pricing`` is how the channel is paid for (cpc, cpm, cps) or "" when it is free.
    """

    zh: str
    en: str
    medium: str
    share: float
    bounce: float
    conversion: float
    cross_sell: float
    pricing: str = ""


SOURCES: tuple[Source, ...] = (
    Source("搜索", "search", "organic", 0.30, 0.42, 0.030, 0.18),
    Source("推荐", "recommendation", "organic", 0.20, 0.55, 0.016, 0.12),
    Source("直接访问", "direct", "direct", 0.10, 0.30, 0.060, 0.25),
    Source("直通车", "cpc_ads", "cpc", 0.15, 0.45, 0.028, 0.15, "cpc"),
    Source("钻展", "display_ads", "cpm", 0.10, 0.62, 0.010, 0.10, "cpm"),
    Source("淘宝客", "affiliate", "cps", 0.07, 0.40, 0.036, 0.10, "cps"),
    Source("社交", "social", "social", 0.05, 0.66, 0.009, 0.08),
    Source("短信/邮件", "email_sms", "email", 0.03, 0.35, 0.045, 0.22),
)
SOURCE_INDEX = {s.zh: i for i, s in enumerate(SOURCES)} | {s.en: i for i, s in enumerate(SOURCES)}

DEVICES = ("mobile", "app", "pc")
DEVICE_SHARE = (0.62, 0.23, 0.15)
DEVICE_CONVERSION = (1.0, 1.35, 0.8)

# (province zh, province en, weight, ((city zh, city en), ...), delivery days from the warehouse in Zhejiang)
REGIONS: tuple[tuple[str, str, float, tuple[tuple[str, str], ...], float], ...] = (
    ("广东", "Guangdong", 0.14, (("广州", "Guangzhou"), ("深圳", "Shenzhen"), ("东莞", "Dongguan")), 2.0),
    ("浙江", "Zhejiang", 0.10, (("杭州", "Hangzhou"), ("宁波", "Ningbo"), ("温州", "Wenzhou")), 1.0),
    ("江苏", "Jiangsu", 0.10, (("南京", "Nanjing"), ("苏州", "Suzhou"), ("无锡", "Wuxi")), 1.2),
    ("上海", "Shanghai", 0.08, (("上海", "Shanghai"),), 1.0),
    ("北京", "Beijing", 0.07, (("北京", "Beijing"),), 2.0),
    ("山东", "Shandong", 0.07, (("济南", "Jinan"), ("青岛", "Qingdao")), 2.0),
    ("四川", "Sichuan", 0.06, (("成都", "Chengdu"), ("绵阳", "Mianyang")), 3.0),
    ("湖北", "Hubei", 0.05, (("武汉", "Wuhan"), ("宜昌", "Yichang")), 2.0),
    ("福建", "Fujian", 0.05, (("福州", "Fuzhou"), ("厦门", "Xiamen")), 1.8),
    ("河南", "Henan", 0.05, (("郑州", "Zhengzhou"), ("洛阳", "Luoyang")), 2.2),
    ("湖南", "Hunan", 0.04, (("长沙", "Changsha"),), 2.2),
    ("安徽", "Anhui", 0.04, (("合肥", "Hefei"),), 1.5),
    ("陕西", "Shaanxi", 0.03, (("西安", "Xi'an"),), 3.0),
    ("辽宁", "Liaoning", 0.03, (("沈阳", "Shenyang"), ("大连", "Dalian")), 3.0),
    ("重庆", "Chongqing", 0.03, (("重庆", "Chongqing"),), 3.0),
    ("云南", "Yunnan", 0.03, (("昆明", "Kunming"),), 3.5),
    ("新疆", "Xinjiang", 0.03, (("乌鲁木齐", "Urumqi"),), 5.0),
)

# category zh, category en, price range (yuan), is cosmetics, name stems zh, name stems en
CATEGORIES: tuple[tuple[str, str, tuple[int, int], bool, tuple[str, ...], tuple[str, ...]], ...] = (
    ("连衣裙", "Dresses", (129, 459), False, ("法式碎花", "收腰显瘦", "真丝", "针织"),
     ("French floral", "Fitted waist", "Silk", "Knit")),
    ("T恤", "T-shirts", (49, 129), False, ("纯棉圆领", "宽松印花", "短袖基础"),
     ("Cotton crew-neck", "Loose print", "Basic")),
    ("衬衫", "Shirts", (99, 269), False, ("雪纺", "条纹通勤", "亚麻"), ("Chiffon", "Striped office", "Linen")),
    ("半身裙", "Skirts", (89, 259), False, ("高腰A字", "百褶", "牛仔"), ("High-waist A-line", "Pleated", "Denim")),
    ("牛仔裤", "Jeans", (119, 299), False, ("直筒", "阔腿", "小脚"), ("Straight", "Wide-leg", "Skinny")),
    ("外套", "Coats", (259, 899), False, ("双面羊绒", "短款羽绒", "西装"), ("Cashmere", "Short down", "Blazer")),
    ("针织衫", "Knitwear", (119, 359), False, ("开衫", "高领", "V领"), ("Cardigan", "Turtleneck", "V-neck")),
    ("卫衣", "Sweatshirts", (99, 239), False, ("连帽", "加绒"), ("Hooded", "Fleece-lined")),
    ("口红", "Lipstick", (99, 329), True, ("丝绒雾面", "滋润"), ("Velvet matte", "Moisturising")),
    ("面霜", "Face cream", (159, 599), True, ("保湿", "修护"), ("Hydrating", "Repair")),
    ("精华", "Serum", (199, 799), True, ("玻尿酸", "烟酰胺"), ("Hyaluronic", "Niacinamide")),
    ("面膜", "Face masks", (59, 169), True, ("补水", "清洁泥"), ("Hydrating", "Clay")),
    ("粉底液", "Foundation", (139, 429), True, ("持妆", "轻薄"), ("Long-wear", "Light")),
    ("防晒霜", "Sunscreen", (79, 219), True, ("清爽", "户外"), ("Fresh", "Outdoor")),
)
BRANDS_ZH = ("素衣阁", "云裳", "花间集")
BRANDS_EN = ("Suyi", "Yunshang", "Huajian")

# search keyword zh, en, category index it finds (-1: no results)
KEYWORDS: tuple[tuple[str, str, int], ...] = (
    ("连衣裙", "dress", 0), ("碎花裙", "floral dress", 0), ("T恤女", "women t-shirt", 1),
    ("白衬衫", "white shirt", 2), ("半身裙", "skirt", 3), ("阔腿牛仔裤", "wide-leg jeans", 4),
    ("羊绒大衣", "cashmere coat", 5), ("羽绒服", "down jacket", 5), ("开衫", "cardigan", 6),
    ("卫衣", "sweatshirt", 7), ("口红", "lipstick", 8), ("面霜", "face cream", 9), ("精华液", "serum", 10),
    ("面膜", "face mask", 11), ("粉底液", "foundation", 12), ("防晒", "sunscreen", 13),
    ("汉服", "hanfu", -1), ("男士外套", "men's jacket", -1), ("运动鞋", "sneakers", -1),
    ("香水礼盒", "perfume gift set", -1), ("儿童连衣裙", "girls' dress", -1),
)

FAKE_REVIEW_TEXTS = (("好评！", "Good!"), ("非常好，推荐购买。", "Very good, recommended."), ("满意", "Satisfied"))

REFUND_REASONS = (
    ("尺码不合适", "size does not fit"), ("质量问题", "quality problem"),
    ("不喜欢/不想要了", "changed mind"), ("与描述不符", "not as described"), ("物流太慢", "delivery too slow"),
)
PAYMENT_METHODS = (("支付宝", "alipay"), ("花呗", "huabei"), ("信用卡", "credit_card"))
PAYMENT_SHARE = (0.6, 0.3, 0.1)

# order status at the end of the simulated period
STATUSES = {
    "pending": ("等待买家付款", "pending_payment"),
    "paid": ("买家已付款", "paid"),
    "shipped": ("卖家已发货", "shipped"),
    "completed": ("交易成功", "completed"),
    "closed": ("交易关闭", "closed"),
    "deposit": ("定金已付", "deposit_paid"),
}

# couriers: zh, en, share of parcels, travel-time factor, mean extra days (a backlog)
CARRIERS: tuple[tuple[str, str, float, float, float], ...] = (
    ("顺丰速运", "SF Express", 0.2, 0.7, 0.0),
    ("中通快递", "ZTO Express", 0.3, 1.0, 0.0),
    ("圆通速递", "YTO Express", 0.22, 1.05, 0.0),
    ("韵达快递", "Yunda Express", 0.18, 1.1, 1.5),
    ("EMS", "China Post EMS", 0.1, 1.3, 0.0),
)
SLOW_CARRIER = 3  # 韵达快递: planted late (sim_truth_service)

# what a review says about each aspect: aspect id -> (praise, complaints), each (zh, en); {carrier} is the courier
REVIEW_CLAUSES: dict[str, tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]] = {
    "logistics": ((("物流很快", "fast delivery"), ("发货很及时", "shipped promptly"),
                   ("{carrier}送货很快", "{carrier} delivered fast"), ("快递小哥很负责", "a careful courier")),
                  (("物流太慢了", "delivery was far too slow"), ("{carrier}太慢了", "{carrier} was too slow"),
                   ("{carrier}比承诺的晚到了好几天", "{carrier} arrived days after the promised date"),
                   ("物流信息好几天不更新", "tracking did not update for days"))),
    "size": ((("尺码标准", "true to size"), ("大小正合适", "the size fits well")),
             (("尺码偏小", "runs small"), ("码数偏小，建议拍大一码", "runs small, order a size up"))),
    "quality": ((("质量很好", "great quality"), ("品质不错", "good quality"), ("质感很好", "feels well made")),
                (("质量一般", "mediocre quality"), ("质量太差了", "poor quality"),
                 ("品质不太好", "not great quality"))),
    "service": ((("客服很耐心", "patient customer service"), ("客服回复很快", "quick replies from service"),
                 ("卖家服务态度好", "a friendly seller")),
                (("客服回复太慢", "slow replies from service"), ("客服态度不好", "unfriendly customer service"))),
    "price": ((("性价比很高", "great value"), ("价格实惠", "a fair price"),
               ("活动价很划算", "a bargain at the promotion price")),
              (("价格有点贵", "a bit pricey"), ("性价比不高", "not great value"))),
    "packaging": ((("包装很严实", "well packed"), ("包装精美", "lovely packaging")),
                  (("包装盒压坏了", "the box was crushed"), ("包装太简陋", "flimsy packaging"))),
    "color": ((("颜色很正", "true colour"), ("没有色差", "colour as in the photos")),
              (("有色差", "the colour differs from the photos"), ("颜色比图片暗", "darker than in the photos"))),
    "smell": ((("没有异味", "no odd smell"), ("味道很淡很好闻", "a light, pleasant scent")),
              (("有股味道", "it has a smell"), ("味道有点刺鼻", "a pungent smell"))),
    "workmanship": ((("做工精细", "fine workmanship"), ("走线整齐", "neat stitching")),
                    (("线头有点多", "quite a few loose threads"), ("做工粗糙", "rough workmanship"))),
}
# reviews that name no aspect, by rating
GENERIC_REVIEWS: dict[int, tuple[tuple[str, str], ...]] = {
    5: (("非常满意，推荐购买", "Very happy, recommended"), ("很喜欢，会回购的", "Love it, will buy again"),
        ("第二次买了，一如既往地好", "Second purchase, as good as ever")),
    4: (("挺好的，还会再来", "Nice, will come back"), ("整体满意", "Satisfied overall")),
    3: (("一般般吧", "So-so"), ("中规中矩", "Average")),
    2: (("不太满意", "Not very happy"), ("和想象的不一样", "Not what I expected")),
    1: (("很失望，不会再买了", "Very disappointed, will not buy again"), ("不推荐", "Not recommended")),
}
