"""envtag.boilerplate: which lines are not content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envtag.boilerplate import SKIP_REASONS, skip_reason

SEEDS_GOLD = Path(__file__).resolve().parents[3] / "shared" / "data" / "seeds_gold.jsonl"


def _gold_rows() -> list[dict]:
    with open(SEEDS_GOLD, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


GOLD = _gold_rows()


# --- skip_reason on the seeds ----------------------------------------------------


def test_gold_has_ten_non_content_lines():
    assert len(GOLD) == 58
    assert sum(not r["content"] for r in GOLD) == 10


@pytest.mark.parametrize("row", GOLD, ids=[r["id"] for r in GOLD])
def test_seeds_gold_content_flags(row):
    reason = skip_reason(row["text"])
    if row["content"]:
        assert reason is None, f"content line skipped as {reason}"
    else:
        assert reason in SKIP_REASONS


def test_seed_reasons_are_the_expected_kinds():
    reasons = {r["id"]: skip_reason(r["text"]) for r in GOLD if not r["content"]}
    kinds = sorted(reasons.values())
    assert kinds.count("byline") == 2
    assert kinds.count("share") >= 2
    assert {"navigation", "registration", "outlet", "empty"} <= set(kinds)


# --- skip_reason by kind -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # empty
        ("", "empty"),
        ("   \t", "empty"),
        ("|", "empty"),
        ("????", "empty"),
        ("？？？", "empty"),
        ("。。。", "empty"),
        ("↑", "empty"),
        # bylines
        ("编辑：王 五  校对：李 四", "byline"),
        ("責(zé)編:張 三 終審:李四", "byline"),
        ("（视频编辑：张三 文字编辑：李四）", "byline"),
        ("责任编辑：赵六", "byline"),
        ("记者 张三 李四", "byline"),
        ("（记者 王五）", "byline"),
        ("通讯员：刘七", "byline"),
        ("摄影：陈八", "byline"),
        ("来源：某某日报", "byline"),
        ("来源：某某日报 2021-03-05", "byline"),
        ("作者：张三", "byline"),
        ("发布时间：2021-03-05 10:22", "byline"),
        ("2018年3月27日", "byline"),
        # navigation
        ("首頁(yè) >> 新聞 >> 正文", "navigation"),
        ("首页 > 新闻中心 > 工作动态", "navigation"),
        ("当前位置：首页 > 政务公开", "navigation"),
        ("您现在的位置：网站首页", "navigation"),
        ("上一篇：关于开展督察的通知", "navigation"),
        ("手机版 | 网站地图 | 联系我们", "navigation"),
        ("返回顶部", "navigation"),
        ("手机资讯", "navigation"),
        # share buttons and page tools
        ("分享", "share"),
        ("分享到：微信 微博 QQ空间", "share"),
        ("我要分享", "share"),
        ("某某日报 查看原文 我要分享", "share"),
        ("官方微信", "share"),
        ("官方微博", "share"),
        ("【打印】【关闭】", "share"),
        ("【字体：大 中 小】", "share"),
        ("字号：大中小打印仅打印内容", "share"),
        # registration and footers
        ("豫公网安备41010502000000号", "registration"),
        ("京ICP备12345678号-1", "registration"),
        ("网站标识码：4100000001", "registration"),
        ("版权所有：某某市生态环境局", "registration"),
        ("Copyright © 2021 Example All Rights Reserved", "registration"),
        ("主办单位：某某市人民政府办公室", "registration"),
        ("联系电话：0371-12345678", "registration"),
        # outlets and datelines
        ("河南日报", "outlet"),
        ("某某日報", "outlet"),
        ("黑龙江省生态环境厅", "outlet"),
        ("某某市生态环境局", "outlet"),
        ("人民网", "outlet"),
        ("中国环境网", "outlet"),
        ("国家林业和草原局", "outlet"),
        ("中华人民共和国生态环境部", "outlet"),
        ("本报讯", "outlet"),
        ("新华社北京1月5日电", "outlet"),
        ("央视网消息(新闻联播)：", "outlet"),
        # colophons of official documents
        ("抄送：各省、自治区、直辖市生态环境厅（局）。", "dispatch"),
        ("生态环境部办公厅2021年9月17日印发", "dispatch"),
        ("生态环境部 2021年9月17日 生态环境部办公厅2021年9月17日印发", "dispatch"),
        ("此公告业经国家市场监督管理总局会签", "dispatch"),
    ],
)
def test_skip_reason_kinds(text, reason):
    assert skip_reason(text) == reason


@pytest.mark.parametrize(
    "text",
    [
        # headings are content (guide rule 8), however short
        "打赢蓝天保卫战",
        "打(da)(da)贏藍天保衛戰",
        "深入推进重点领域污染防治攻坚",
        "不断增强三晋大地绿色发展动能",
        "碧水保卫战",
        "臭氧污染防治",
        "河长制",
        "土壤污染防治",
        "第一章 总则",
        "第三条",
        "一、总体要求",
        "（一）加强大气污染防治",
        "锚定美丽山西建设目标 加快推动全面绿色转型",
        # content that mentions boilerplate words
        "记者从市生态环境局获悉，今年全市空气质量持续改善。",
        "本报讯（记者 张三）近日，全市召开污染防治攻坚会议。",
        "今天天气怎么样？根据近期天气质量研判。",
        "扫码举报环境违法行为",
        "大中小学生态环境教育",
        "文明城市创建",
        "环保部公布重点城市空气质量日报",
        "国务院成立教育督导委员会",
        "我国首颗高分辨率测绘卫星交付使用",
        "国务院办公厅印发《关于加强入河排污口监督管理工作的实施意见》。",
        "附件：重点排污单位名录 生态环境部 2018年12月29日 生态环境部办公厅2019年1月2日印发",
        "征程新启，奋楫扬帆。（记者 程某某）",
        "2021年，全市PM2.5平均浓度下降10%。",
    ],
)
def test_content_is_not_skipped(text):
    assert skip_reason(text) is None


def test_skip_reason_sees_through_script_and_pinyin():
    assert skip_reason("編(biān)輯(jí):王 五 校(jiào)對(duì):李 四") == "byline"
    assert skip_reason("首頁(yè) >> 河南日?qǐng)?bào) >> 內(nèi)容") == "navigation"
    assert skip_reason("分(fēn)享(xiǎng)") == "share"


def test_skip_reason_returns_known_reasons_only():
    samples = ["", "分享", "河南日报", "编辑：王五", "打赢蓝天保卫战", "京ICP备1号"]
    assert {skip_reason(s) for s in samples} <= set(SKIP_REASONS) | {None}


# --- split_sentences ----------------------------------------------------------------
