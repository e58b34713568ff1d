"""The demo quarter of the demo tenant (2026年第四季度): what arrives on which day and how each unit
handles its tasks. Deterministic: every choice comes from one seeded generator.

Each registered matter gets a profile: ``on_time`` (signs, reports, closes before the deadline),
``late`` (closes a few working days after the deadline, after the first urge) or ``ladder`` (signs
and then does nothing: urged, bulletined twice, transferred to the discipline body).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

TENANT = "demo"
QUARTER_START, QUARTER_END = date(2026, 10, 1), date(2026, 12, 31)
PERIOD = "2026-Q4"
HANDLERS = ["fgj", "zjj", "jyj", "wjj", "nyj", "sthj", "czj", "scjgj", "rsj", "jtj", "yjj", "cgj", "cgz", "xlz"]
LATE_SHARE = {"wjj": 0.5, "xlz": 0.6, "rsj": 0.35}  # units that often miss deadlines; the others rarely do
LADDER_UNIT = "sthj"
SPOT_CHECK_DAYS = (date(2026, 10, 30), date(2026, 11, 30), date(2026, 12, 28))


@dataclass
class Item:
    day: date
    label: str
    envelope: dict
    profiles: dict[int | None, str] = field(default_factory=dict)  # decision seq (None: single matter) → profile

    @property
    def kind(self) -> str:
        return self.envelope["type"].split(".")[2]


def _envelope(kind: str, ext_id: str, source: str, day: date, data: dict) -> dict:
    return {
        "specversion": "1.0",
        "id": ext_id,
        "source": source,
        "type": f"duban.submission.{kind}.v1",
        "time": f"{day.isoformat()}T09:30:00+08:00",
        "tenant": TENANT,
        "datacontenttype": "application/json",
        "data": data,
    }


MEETINGS = [
    (
        date(2026, 10, 9),
        "plenary",
        "县政府第四次全体会议",
        "〔2026〕4号",
        "全体会议",
        [
            ("全面完成第四季度经济社会发展目标", "对照年度目标逐项盘点，确保应收尽收、应完尽完", "fgj", ["czj"]),
            ("抓好冬春季安全生产", "开展安全生产隐患排查整治，压实企业主体责任", "yjj", []),
            ("推进城区背街小巷改造", "年底前完成12条背街小巷改造", "zjj", ["cgj"]),
            ("做好农民工工资支付保障", "开展根治欠薪冬季专项行动", "rsj", []),
            ("巩固拓展脱贫攻坚成果", "落实防止返贫动态监测和帮扶机制", "nyj", ["xlz"]),
            ("加强学校食品安全管理", "开展校园食品安全专项检查", "scjgj", ["jyj"]),
        ],
    ),
    (
        date(2026, 10, 16),
        "executive",
        "县政府第15次常务会议",
        "〔2026〕15号",
        "常务会议第1次",
        [
            ("整改中央环保督察反馈问题", "按期完成畜禽养殖污染整改并报送销号材料", LADDER_UNIT, []),
            ("推进城关镇农贸市场提升改造", "完成市场改造方案并启动施工", "cgz", ["scjgj"]),
            ("做好冬季供暖保障", "确保全县供暖平稳", "zjj", []),
            ("落实基层医疗卫生机构能力提升", "完成乡镇卫生院设备配备", "wjj", ["czj"]),
            ("加快农村公路养护", "完成年度农村公路养护任务", "jtj", []),
        ],
    ),
    (
        date(2026, 11, 12),
        "executive",
        "县政府第16次常务会议",
        "〔2026〕16号",
        "常务会议第2次",
        [
            ("做好冬春季森林防火", "落实森林防火责任，加强巡查", "yjj", ["xlz"]),
            ("推进县域医共体建设", "完成医共体信息平台建设", "wjj", []),
            ("加强城区停车秩序管理", "增设临时停车泊位，规范占道停车", "cgj", ["jtj"]),
            ("做好年终财政收支平衡", "加强收入征管，保障重点支出", "czj", []),
            ("推进兴隆镇污水处理设施建设", "年底前完成管网铺设", "xlz", ["sthj"]),
        ],
    ),
]

INSTRUCTIONS = [
    (date(2026, 10, 12), "王县长", "principal", "关于加快推进农村供水保障工程的批示", "nyj", ["czj"]),
    (date(2026, 10, 22), "李副县长", "deputy", "关于做好秋冬季大气污染防治的批示", "sthj", ["cgj"]),
    (date(2026, 11, 3), "王县长", "principal", "关于妥善处理群众反映物业纠纷的批示", "zjj", []),
    (date(2026, 11, 17), "张副县长", "deputy", "关于做好困难群众冬季救助的批示", "rsj", []),
    (date(2026, 11, 25), "王县长", "principal", "关于排查整治校车安全隐患的批示", "jyj", ["jtj"]),
    (date(2026, 12, 3), "李副县长", "deputy", "关于加强冬季食品安全监管的批示", "scjgj", []),
    (date(2026, 12, 9), "张副县长", "deputy", "关于做好流感防控工作的批示", "wjj", []),
    (date(2026, 12, 14), "王县长", "principal", "关于做好岁末年初安全稳定工作的批示", "yjj", ["cgz", "xlz"]),
]

PROPOSALS = [  # (kind, title, lead, co)
    ("deputy_suggestion", "关于改善城关镇学校周边交通秩序的建议", "jtj", ["jyj"]),
    ("deputy_suggestion", "关于加快农村寄宿制学校建设的建议", "jyj", []),
    ("deputy_suggestion", "关于提升乡镇卫生院服务能力的建议", "wjj", []),
    ("deputy_suggestion", "关于加强农村生活污水治理的建议", "sthj", ["xlz"]),
    ("deputy_suggestion", "关于扶持特色农产品品牌建设的建议", "nyj", []),
    ("deputy_suggestion", "关于增加城区公共停车位的建议", "cgj", ["zjj"]),
    ("cppcc_proposal", "关于发展县域特色农产品电商的提案", "nyj", ["scjgj"]),
    ("cppcc_proposal", "关于加强养老服务体系建设的提案", "rsj", []),
    ("cppcc_proposal", "关于推进老旧小区加装电梯的提案", "zjj", []),
    ("cppcc_proposal", "关于加强中小学心理健康教育的提案", "jyj", ["wjj"]),
]

WORK_REPORT = [  # (section, title, lead, co, due_on)
    ("一、稳增长", "新增规模以上工业企业10家", "fgj", [], "2026-12-25"),
    ("一、稳增长", "完成固定资产投资年度目标", "fgj", ["czj"], "2026-12-31"),
    ("二、促改革", "深化“一网通办”，政务服务事项网上可办率达到95%", "fgj", [], "2026-12-25"),
    ("三、持续改善民生", "新建改建农村公路50公里", "jtj", ["czj"], "2026-12-31"),
    ("三、持续改善民生", "新增城镇就业1500人", "rsj", [], "2026-12-25"),
    ("三、持续改善民生", "改造老旧小区8个", "zjj", [], "2026-12-18"),
    ("四、生态环境", "空气质量优良天数比例达到88%", "sthj", [], "2026-12-31"),
    ("五、安全发展", "完成城乡危房改造300户", "zjj", ["cgz"], "2026-12-18"),
]

OTHERS = [  # superior assignments and documents: (day, kind, data)
    (
        date(2026, 10, 14),
        "superior_assignment",
        {
            "issuer": "市人民政府督查室",
            "reference_no": "市督〔2026〕71号",
            "title": "关于开展安全生产大检查的通知",
            "content": "请于规定时间内完成辖区安全生产大检查并报送情况。",
            "lead_unit": "yjj",
        },
    ),
    (
        date(2026, 11, 5),
        "superior_assignment",
        {
            "issuer": "市人民政府办公室",
            "reference_no": "市政办〔2026〕95号",
            "title": "关于核查惠民惠农补贴发放情况的通知",
            "content": "请核查补贴资金发放情况并报送核查报告。",
            "lead_unit": "czj",
            "co_units": ["nyj"],
        },
    ),
    (
        date(2026, 12, 1),
        "superior_assignment",
        {
            "issuer": "市人民政府督查室",
            "reference_no": "市督〔2026〕102号",
            "title": "关于督查冬季清洁取暖工作的通知",
            "content": "请报送清洁取暖改造进展。",
            "lead_unit": "zjj",
        },
    ),
    (
        date(2026, 10, 19),
        "document",
        {
            "doc_no": "县政办〔2026〕98号",
            "title": "关于做好秋冬季农业生产的通知",
            "content": "抓好秋收秋种。",
            "handling": "single",
            "lead_unit": "nyj",
        },
    ),
    (
        date(2026, 11, 9),
        "document",
        {
            "doc_no": "县政办〔2026〕112号",
            "title": "关于开展消防安全专项整治的通知",
            "content": "全面排查消防安全隐患。",
            "handling": "multi",
            "lead_unit": "yjj",
            "co_units": ["cgz", "xlz"],
        },
    ),
    (
        date(2026, 11, 19),
        "document",
        {
            "doc_no": "县政办〔2026〕120号",
            "title": "关于做好冬春季森林防火工作的通知",
            "content": "落实森林防火责任。",
            "handling": "urgent",
            "lead_unit": "yjj",
        },
    ),
    (
        date(2026, 12, 7),
        "document",
        {
            "doc_no": "县政办〔2026〕131号",
            "title": "关于做好年终岁末根治欠薪工作的通知",
            "content": "确保农民工工资按时足额发放。",
            "handling": "investigation",
            "lead_unit": "rsj",
        },
    ),
]

# online messages: (what is reported, the unit that handles it)
ISSUES = [
    ("小区供暖温度不达标", "zjj"),
    ("路灯损坏夜间无照明", "cgj"),
    ("夜间施工噪音扰民", "cgj"),
    ("学校周边占道经营", "cgj"),
    ("孩子入学学位安排问题", "jyj"),
    ("医院挂号排队时间过长", "wjj"),
    ("社保卡补办进度慢", "rsj"),
    ("工地拖欠农民工工资", "rsj"),
    ("农贸市场食品卫生问题", "scjgj"),
    ("公交线路班次过少", "jtj"),
    ("乡村道路坑洼不平", "jtj"),
    ("企业排放异味", "sthj"),
    ("村里自来水水压不足", "nyj"),
    ("物业服务收费不合理", "zjj"),
    ("集镇垃圾清运不及时", "cgz"),
    ("村道积水无人处理", "xlz"),
]
PLACES = [
    "城关镇幸福小区",
    "城关镇建设路",
    "兴隆镇中心村",
    "县城东关街",
    "县城滨河花园",
    "兴隆镇集镇",
    "城关镇南街社区",
    "县城人民路",
]
CHANNELS = ["hotline_12345", "people_daily", "state_council", "portal"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "建华",
    "秀英",
    "志强",
    "丽娟",
    "海燕",
    "国庆",
    "桂兰",
    "振宇",
    "晓梅",
    "文博",
    "春生",
    "玉珍",
    "子涵",
    "明辉",
    "淑芬",
    "立新",
]


def _profile(rng: random.Random, unit: str) -> str:
    return "late" if rng.random() < LATE_SHARE.get(unit, 0.05) else "on_time"


def _message_days(n: int) -> list[date]:
    from duban_common.calendar import WorkCalendar

    cal, day, days = WorkCalendar(), date(2026, 10, 9), []
    while day <= date(2026, 12, 25):
        if cal.is_workday(day):
            days.append(day)
        day = date.fromordinal(day.toordinal() + 1)
    return [days[i * len(days) // n] for i in range(n)] if n else []


def citizen(rng: random.Random) -> dict:
    return {
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "phone": "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9)),
    }


def _single_item(
    rng: random.Random, day: date, label: str, kind: str, ext_id: str, data: dict, source: str = "/platforms/oa"
) -> Item:
    """One matter (not a meeting's decisions), profiled by its lead unit."""
    return Item(day, label, _envelope(kind, ext_id, source, day, data), {None: _profile(rng, data["lead_unit"])})


def _meeting_items(rng: random.Random) -> list[Item]:
    """The meetings' decisions, one item per meeting."""
    items = []
    for meeting_no, (day, mtype, title, minutes, label, decisions) in enumerate(MEETINGS, 1):
        data = {
            "meeting": {"type": mtype, "title": title, "held_on": day.isoformat(), "minutes_no": minutes},
            "decisions": [
                {"seq": i + 1, "title": t, "content": c, "lead_unit": lead, "co_units": co}
                for i, (t, c, lead, co) in enumerate(decisions)
            ],
        }
        profiles = {
            i + 1: "ladder" if lead == LADDER_UNIT and mtype == "executive" and i == 0 else _profile(rng, lead)
            for i, (_, _, lead, _) in enumerate(decisions)
        }
        items.append(
            Item(
                day,
                label,
                _envelope("meeting_decision", f"oa-hy-2026-{meeting_no:02d}", "/platforms/oa", day, data),
                profiles,
            )
        )
    return items


def _instruction_items(rng: random.Random) -> list[Item]:
    """The leaders' written instructions."""
    items = []
    for number, (day, leader, role, title, lead, co) in enumerate(INSTRUCTIONS, 1):
        data = {
            "leader": {"name": leader, "role": role},
            "instructed_on": day.isoformat(),
            "title": title,
            "content": "请牵头单位抓紧研究落实，按时报送办理情况。",
            "lead_unit": lead,
            "co_units": co,
        }
        items.append(_single_item(rng, day, "领导批示", "leader_instruction", f"ps-2026-{number:04d}", data))
    return items


def _proposal_items(rng: random.Random) -> list[Item]:
    """The deputies' suggestions and the CPPCC members' proposals."""
    items = []
    for number, (kind, title, lead, co) in enumerate(PROPOSALS, 1):
        day = date(2026, 10, 20) if kind == "deputy_suggestion" else date(2026, 10, 21)
        source, label = (
            ("/platforms/npc-proposals", "人大代表建议")
            if kind == "deputy_suggestion"
            else ("/platforms/cppcc-proposals", "政协提案")
        )
        proposer = (
            f"县人大代表{rng.choice(SURNAMES)}某"
            if kind == "deputy_suggestion"
            else f"县政协委员{rng.choice(SURNAMES)}某"
        )
        data = {
            "number": f"第{number:03d}号",
            "proposer": proposer,
            "title": title,
            "content": "建议有关部门统筹研究，加快推进。",
            "submitted_on": "2026-03-06",
            "lead_unit": lead,
            "co_units": co,
        }
        items.append(_single_item(rng, day, label, kind, f"{kind[:2]}-2026-{number:03d}", data, source))
    return items


def _work_report_items(rng: random.Random) -> list[Item]:
    """The government work report's tasks."""
    items = []
    for number, (section, title, lead, co, due) in enumerate(WORK_REPORT, 1):
        day = date(2026, 10, 13)
        data = {
            "year": 2026,
            "section": section,
            "title": title,
            "content": title,
            "lead_leader": "王县长",
            "lead_unit": lead,
            "co_units": co,
            "due_on": due,
        }
        items.append(
            _single_item(rng, day, "政府工作报告任务分解", "work_report_task", f"gzbg-2026-{number:02d}", data)
        )
    return items


def _other_items(rng: random.Random) -> list[Item]:
    """Assignments from above and official documents."""
    items = []
    for number, (day, kind, data) in enumerate(OTHERS, 1):
        data = {**data, "received_on": day.isoformat()}
        label = "上级交办" if kind == "superior_assignment" else "公文交办"
        items.append(_single_item(rng, day, label, kind, f"{kind[:3]}-2026-{number:03d}", data))
    return items


def _message_items(rng: random.Random, messages: int) -> list[Item]:
    """The citizens' online messages."""
    items = []
    for number, day in enumerate(_message_days(messages), 1):
        issue, lead = rng.choice(ISSUES)
        place = rng.choice(PLACES)
        data = {
            "channel": rng.choice(CHANNELS),
            "number": f"LY{day:%Y%m%d}{number:04d}",
            "title": f"反映{place}{issue}",
            "content": f"{place}{issue}，希望有关部门尽快处理。",
            "received_on": day.isoformat(),
            "citizen": citizen(rng),
            "lead_unit": lead,
        }
        source = "/platforms/message-board"
        items.append(_single_item(rng, day, "网民留言", "online_message", f"ly-2026-{number:05d}", data, source))
    return items


def build(seed: int = 20261001, messages: int = 200) -> list[Item]:
    """Everything the quarter brings, in day order."""
    rng = random.Random(seed)  # one generator, drawn from in this order: the same seed, the same quarter
    items = [
        *_meeting_items(rng),
        *_instruction_items(rng),
        *_proposal_items(rng),
        *_work_report_items(rng),
        *_other_items(rng),
        *_message_items(rng, messages),
    ]
    return sorted(items, key=lambda item: item.day)
