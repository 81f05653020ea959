"""WeChat channels: the Official Account (公众号) callback at ``/wechat/mp`` and the WeCom (企业微信)
self-built app callback at ``/wechat/work``, both answering through the same pipeline as ``/api/chat``."""
