"""Push: reports to work chats (DingTalk, WeCom, Feishu, Slack) and e-mail, rate-limited, retried, recorded.
See docs/reports.md."""

from junshi.push.deliver import CHANNEL_NAMES, ChannelName, Delivery, Sender, channel_name, push_failure, push_report
from junshi.push.message import Message, failure_message, message_of

__all__ = ["CHANNEL_NAMES", "ChannelName", "Delivery", "Message", "Sender", "channel_name", "failure_message",
           "message_of", "push_failure", "push_report"]
