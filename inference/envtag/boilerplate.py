"""Boilerplate rules: which lines of a document are not content.

:func:`skip_reason` tells content paragraphs from web and document boilerplate
(bylines, breadcrumbs, share buttons, registration footers, bare outlet names),
which the annotation guide (boundary rule 10) says the tagger should skip as
non-content. The rules look at the *shape* of a cleaned line, never at the
topic, so a short heading such as “打赢蓝天保卫战” stays content (rule 8).

"""

from __future__ import annotations

import re

from .cleaning import clean

__all__ = ["skip_reason", "SKIP_REASONS"]

SKIP_REASONS = (
    "empty",
    "byline",
    "navigation",
    "share",
    "registration",
    "outlet",
    "dispatch",
)

_HAN = r"\u3400-\u9fff\uf900-\ufaff"
# Sentence-final punctuation: a line containing one is prose, not a label line.
_PROSE_END = re.compile(r"[。！？!]")
# Anything that is not a letter, digit or Han character.
_NON_WORD = re.compile(r"[\W_]+")
# A Han character or a latin letter: a line without one has no words.
_LETTER = re.compile(rf"[{_HAN}A-Za-z]")

# Verbs and adverbs of headings and slogans. A line carrying one is a sentence
# or a heading, not a bare name or a list of credits.
_VERB = re.compile(
    "推进|推动|加强|强化|深化|深入|打好|打赢|坚持|坚决|实施|开展|落实|构建|提升|完善|健全|守护|守牢|筑牢|"
    "织密|开创|奋力|全力|持续|加快|着力|助力|打造|谱写|描绘|绘就|书写|实现|聚焦|确保|全面|努力|积极|扎实|"
    "切实|不断|大力|共建|共享|迈向|走好|擦亮|护航|赋能|压实|夯实|巩固|做好|抓好|抓实|答好|交出|开启|争当|"
    "争创|建成|创建|保卫战|攻坚|战役|行动|会议|召开|举行|出台|印发|发布会|调研|视察|考察|部署|审议|通过|"
    "启动|获悉|了解到|表示|指出|强调|要求|提出|介绍|公布|公开|同意|设立|成立|宣布|关闭|发射|交付|上线|举办|"
    "开幕|闭幕|签署|会见|会谈|出席|访问|发表|发放|颁布|批准|任命|致电|致信|回信|接受|迎来|走进|来到|看望|"
    "慰问|获得|荣获|入选|正式"
)
# Function words and particles of sentences, absent from names.
_NOT_NAME = re.compile(r"[了的在对将把被向不也都又还就吗呢吧着过给让使令从到说是未之再已正]")

# --- bylines ---------------------------------------------------------------
_CREDIT = (
    r"(?:(?:视频|文字|图片|网络|网站|新媒体|实习|特约|值班|本版)?(?:责任编辑|编辑)|责编|主编|校对|校审|终审|"
    r"初审|复审|二审|三审|审核|审校|审签|签发|监制|制作|记者|特约记者|实习生|作者|通讯员|摄影|摄像|摄|"
    r"撰稿|供稿|整理|翻译|编译|来源|出处|稿源|文|图|文/图|图/文|图文)"
)
_META = (
    r"(?:发布时间|发布日期|发表时间|更新时间|发稿时间|日期|时间|浏览次数|阅读次数|访问次数|点击数|点击量|"
    r"阅读量|浏览量|信息来源)"
)
_DATE = r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?"
_OPEN = r"[\[【(（<〈「]?"
_BYLINE_FIELDS = re.compile(rf"^{_OPEN}\s*(?:{_DATE}\s*)?(?:本报|本台|本网|本刊)?(?:{_CREDIT}|{_META})\s*[:：]")
_BYLINE_PLAIN = re.compile(
    rf"^{_OPEN}\s*(?:本报|本台|本网|本刊|特约)?(?:(?:记者|通讯员|作者|摄影|实习生|责任编辑|编辑|责编|校对|审核|终审)"
    r"\s*[:：]?|(?:文/图|图/文|文|图)\s*[:：/])\s*"
)
_DATE_ONLY = re.compile(rf"^{_OPEN}\s*{_DATE}\s*[\]】)）>〉」]?$")
# Characters that do not occur in a list of personal names.
_NOT_PERSON_NAMES = re.compile(r"[从在的了向对就据将把被和与为是获说到表示介绍报道采访]")

# --- navigation ------------------------------------------------------------
_BREADCRUMB_HEAD = re.compile(
    r"^(?:当前位置|您的位置|你的位置|您现在的位置|你现在的位置|您当前的位置|当前的位置|所在位置|位置)\s*[:：]"
)
_BREADCRUMB_SEP = r"(?:>>|>|»|›|→|-{1,2}>|/|\\)"
_HOME_CRUMB = re.compile(rf"(?:^|\s){_OPEN}(?:网站首页|首页|主页|Home)\s*{_BREADCRUMB_SEP}", re.IGNORECASE)
_CRUMB_SPLIT = re.compile(r"\s*(?:>>|»|›|→|-{1,2}>|>)\s*")
_PAGER = re.compile(
    r"^(?:上一篇|下一篇|上一条|下一条|上篇|下篇|上一页|下一页|相关新闻|相关阅读|相关链接|推荐阅读)\s*[:：]"
)
_NAV_TOKENS = re.compile(
    r"手机(?:版|资讯|网|报|台|客户端|端|看|阅读)|移动版|移动端|电脑版|网站首页|返回首页|回到首页|首页|主页|"
    r"返回顶部|回到顶部|顶部|返回列表|返回|上一篇|下一篇|上一页|下一页|末页|尾页|网站地图|网站导航|站点地图|"
    r"联系我们|关于我们|设为首页|加入收藏|站内搜索|高级搜索|搜索|登录|注册|无障碍(?:浏览|阅读)?|长者模式|"
    r"关怀版|适老化|English|繁体|繁體|简体|RSS|更多|相关新闻|相关阅读|推荐阅读|热点新闻|热门推荐|"
    r"扫码阅读|[\d]+",
    re.IGNORECASE,
)

# --- share buttons and page tools ------------------------------------------
_SHARE_STRONG = (
    r"分享到|分享至|我要分享|一键分享|查看原文|阅读原文|原文链接|打印本页|打印此页|打印文章|打印页面|"
    r"仅打印内容|关闭窗口|关闭本页|关闭页面|官方微信|官方微博|微信公众号|微信扫一扫|微信扫码|扫一扫|扫码|"
    r"二维码|朋友圈|QQ空间|新浪微博|腾讯微博|人民微博|收藏本页|复制链接|字号|字体"
)
_SHARE_WEAK = r"分享|微信|微博|抖音|快手|头条|客户端|公众号|打印|关闭|收藏|点赞|转发|评论|链接|QQ|默认|大|中|小"
_SHARE_STRONG_RE = re.compile(_SHARE_STRONG, re.IGNORECASE)
_SHARE_ANY_RE = re.compile(f"{_SHARE_STRONG}|{_SHARE_WEAK}", re.IGNORECASE)

# --- registration and site footer ------------------------------------------
_REGISTRATION = re.compile(
    r"ICP\s*[备证]|[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]?公网安备|网安备|"
    r"网站标识码|网站识别码|备案号|版权所有|copyright|©|\(c\)\s*\d{4}|all\s+rights\s+reserved|"
    r"(?:主办|承办|协办)单位\s*[:：]|技术支持\s*[:：]|网站维护\s*[:：]|运维单位\s*[:：]|建议使用.{0,20}浏览|"
    r"最佳分辨率|分辨率\s*\d+\s*[x×*]\s*\d+",
    re.IGNORECASE,
)
_CONTACT = re.compile(
    r"^(?:地址|通讯地址|联系地址|邮编|邮政编码|联系电话|电话|传真|邮箱|电子邮箱|电子邮件|e-?mail)\s*[:：]",
    re.IGNORECASE,
)

# --- document dispatch lines (公文版记) -------------------------------------
_COPY_TO = re.compile(r"^(?:抄送|抄报)\s*[:：]")
_CN_DATE = r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
_ISSUER = rf"[{_HAN}（）()]{{2,30}}?(?:部|厅|局|委|委员会|办公室|办公厅|政府|总局|院|会|署|中心)"
_DISPATCH_PIECE = re.compile(
    rf"\s+|[:：,，]|{_CN_DATE}|{_DATE}|此(?:公告|通知|文件|标准|决定|意见|办法)业经[{_HAN}]{{2,40}}?会签|"
    rf"印发|{_ISSUER}|{_SHARE_STRONG}|{_SHARE_WEAK}",
    re.IGNORECASE,
)
_DISPATCH_MARK = re.compile(r"印发|会签")

# --- bare outlet / organisation names --------------------------------------
# Suffixes that make a name by themselves: media after a short prefix
# (…日报, …新闻网), agencies after any name (…生态环境局, …委员会).
_MEDIA = (
    r"日报|晚报|早报|时报|商报|报社|新闻网|新闻社|通讯社|电视台|广播电台|广播电视台|融媒体中心|杂志社|"
    r"新闻频道"
)
_AGENCY = (
    r"人民政府|委员会|办公室|办公厅|管理局|分局|总局|研究院|研究所|监测站|监测中心|新闻中心|生态环境局|"
    r"生态环境厅|生态环境部|环境保护局|环保局"
)
# Short suffixes, accepted only after a place or a national prefix.
_ORG_WEAK = r"局|厅|部|委|办|网|社|站|院|所|中心|集团|公司|协会|学会|大队|支队|总队"
_PLACE = (
    r"(?:中华人民共和国|中国|国家|中央|全国|人民|新华|央视|光明|中新|环球|澎湃|新浪|搜狐|网易|腾讯|凤凰|"
    rf"[{_HAN}]{{1,8}}?(?:省|自治区|市|县|区|州|盟|旗|镇|乡|街道))"
)
_OUTLET = re.compile(
    rf"^[{_HAN}·]{{1,8}}?(?:{_MEDIA})$|^[{_HAN}·]{{1,12}}?(?:{_AGENCY})$|"
    rf"^{_PLACE}[{_HAN}·]{{0,10}}?(?:{_ORG_WEAK})$"
)
# Datelines standing alone: 本报讯, 新华社北京1月5日电, 央视网消息(新闻联播)：
_DATELINE = re.compile(
    rf"^{_OPEN}(?:[{_HAN}\w·]{{0,12}}?(?:网|社|台|报|新闻|频道|客户端|本报|本台|本网|本刊)(?:消息|讯)|"
    rf"[{_HAN}\w·]{{0,12}}?\d{{1,2}}月\d{{1,2}}日电)\s*(?:[(（][^()（）]{{1,12}}[)）])?\s*[:：]?\s*[\]】]?$"
)


def _compact(text: str) -> str:
    """Letters, digits and Han characters only."""
    return _NON_WORD.sub("", text)


def _only_tokens(text: str, tokens: re.Pattern[str]) -> bool:
    """True when ``text`` is nothing but ``tokens`` and separators."""
    return not _compact(tokens.sub(" ", text))


def _is_byline(t: str) -> bool:
    if _PROSE_END.search(t) or len(t) > 100:
        return False
    if _BYLINE_FIELDS.match(t) or _DATE_ONLY.match(t):
        return True
    m = _BYLINE_PLAIN.match(t)
    if m:
        names = re.sub(rf"{_CREDIT}|[\s、,，/／()（）\[\]【】:：]+", "", t[m.end() :])
        return 0 < len(names) <= 12 and not _NOT_PERSON_NAMES.search(names) and not _VERB.search(names)
    return False


def _is_navigation(t: str) -> bool:
    if _BREADCRUMB_HEAD.match(t) or _PAGER.match(t):
        return True
    if _PROSE_END.search(t):
        return False
    if _HOME_CRUMB.search(t):
        return True
    parts = [p for p in _CRUMB_SPLIT.split(t) if p.strip()]
    if len(parts) >= 3 and all(len(p) <= 15 for p in parts):
        return True
    return _only_tokens(t, _NAV_TOKENS)


def _is_share(t: str) -> bool:
    if _PROSE_END.search(t) or len(t) > 60:
        return False
    if _only_tokens(t, _SHARE_ANY_RE):
        return True
    if not _SHARE_STRONG_RE.search(t):
        return False
    # What is left besides the buttons may only be a (possibly truncated) name.
    rest = _compact(_SHARE_ANY_RE.sub(" ", t))
    if _VERB.search(rest) or _NOT_NAME.search(rest):
        return False
    return len(rest) <= 4 or bool(_OUTLET.match(rest))


def _is_registration(t: str) -> bool:
    if "。" in t or len(t) > 200:
        return False
    return bool(_REGISTRATION.search(t) or _CONTACT.match(t))


def _is_dispatch(t: str) -> bool:
    """抄送 lines, and colophons made only of issuers, dates, 印发/会签 notes
    and page tools (a colophon that also names an attachment is content)."""
    if len(t) > 300:
        return False
    if _COPY_TO.match(t):
        return True
    if not _DISPATCH_MARK.search(t):
        return False
    pos = 0
    while pos < len(t):  # greedy left-to-right scan, no backtracking across pieces
        m = _DISPATCH_PIECE.match(t, pos)
        if not m or m.end() == pos:
            return False
        pos = m.end()
    return True


def _is_outlet(t: str) -> bool:
    if len(t) > 20 or _VERB.search(t):
        return False
    if _DATELINE.match(t):
        return True
    name = re.sub(r"\s+", "", t)
    return len(name) <= 15 and not _NOT_NAME.search(name) and bool(_OUTLET.match(name))


def skip_reason(text: str, cleaned: str | None = None) -> str | None:
    """Why a raw paragraph is not content, or ``None`` for content.

    Reasons: ``"empty"`` (no Han character or latin letter: whitespace,
    punctuation, bare numbers, ``?`` debris), ``"byline"`` (credits, source
    and date lines), ``"navigation"`` (breadcrumbs, site menus, pagers),
    ``"share"`` (share buttons and page tools), ``"registration"``
    (ICP/public-security numbers, copyright and contact footers),
    ``"dispatch"`` (抄送/印发 colophons of official documents) and
    ``"outlet"`` (a bare outlet or organisation name, or a dateline).

    The text is cleaned first, so Traditional script and inline pinyin make
    no difference (``cleaned``: ``clean(text)`` when the caller has it).
    """
    t = clean(text) if cleaned is None else cleaned
    if not _LETTER.search(t):
        return "empty"
    rules = (
        ("registration", _is_registration),
        ("byline", _is_byline),
        ("navigation", _is_navigation),
        ("share", _is_share),
        ("dispatch", _is_dispatch),
        ("outlet", _is_outlet),
    )
    return next((reason for reason, applies in rules if applies(t)), None)
