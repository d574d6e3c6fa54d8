"""The scripted demo calls: fictional conversations on the VIP hotline (line 10088).

Every name, number, plan and price here is invented. Digits that people say aloud are
written as Chinese numerals (一三八...) because that is what the speech synthesiser reads and
what the PII masking has to find in a transcript.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

from tiexin.domain.calls import Direction, Role

LINE = "10088"
_CST = timezone(timedelta(hours=8))

Channels = Literal["stereo", "mono"]


@dataclass(frozen=True, slots=True)
class ScriptTurn:
    """One line of a script and how it sits on the timeline relative to the turn before."""

    role: Role
    text: str
    gap_before_s: float | None = None  # silence before the turn; None lets the renderer pick
    overlap_s: float = 0.0  # start this long before the previous turn ends (an interruption)
    hold_s: float = 0.0  # extra silence on both channels before the turn (caller on hold)


@dataclass(frozen=True, slots=True)
class Dialogue:
    """A whole scripted call plus the metadata a recording system would export for it."""

    call_id: str
    language: str  # "zh" or "en"
    direction: Direction
    agent_id: str
    customer_msisdn: str
    start_time: datetime
    turns: tuple[ScriptTurn, ...]
    scenario: tuple[str, ...]  # design tags, for people reading the demo; not ground truth
    channels: Channels = "stereo"
    # Wideband, as VoIP recorders keep it: the synthetic voice survives the 8 kHz telephone
    # band poorly, and the demo should show readable transcripts.
    sample_rate: int = 16000
    line: str = LINE


A = Role.AGENT
C = Role.CUSTOMER


def _at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2025, 6, day, hour, minute, tzinfo=_CST)


EXEMPLARY = Dialogue(
    call_id="DEMO-0001",
    language="zh",
    direction=Direction.INBOUND,
    agent_id="3107",
    customer_msisdn="13900001234",
    start_time=_at(2, 9, 12),
    scenario=("exemplary",),
    turns=(
        ScriptTurn(A, "您好，贵宾专线，工号三一零七为您服务，请问有什么可以帮您？"),
        ScriptTurn(C, "你好，我想问一下我这个月的流量还剩多少，最近总是不够用。"),
        ScriptTurn(A, "好的，为了保护您的账户安全，请您告诉我机主身份证号码的后四位。"),
        ScriptTurn(C, "后四位是五八二六。"),
        ScriptTurn(A, "谢谢您，验证通过了。您本月的流量还剩三点五个G，下个月一号会重新计算。"),
        ScriptTurn(C, "才剩这么一点啊，那我月底可能又不够了。"),
        ScriptTurn(
            A,
            "我看您最近三个月每月都超出流量，可以给您加一个十元十个G的流量包，"
            "比超出以后按量付费划算很多，您看需要吗？",
        ),
        ScriptTurn(C, "可以，那就帮我加上吧。"),
        ScriptTurn(A, "已经为您办好了，今天就生效。请问还有其他可以帮您的吗？"),
        ScriptTurn(C, "没有了，谢谢你。"),
        ScriptTurn(A, "不客气，感谢您的来电，祝您生活愉快，再见！"),
    ),
)

POOR_SERVICE = Dialogue(
    call_id="DEMO-0002",
    language="zh",
    direction=Direction.INBOUND,
    agent_id="3215",
    customer_msisdn="13700005678",
    start_time=_at(2, 10, 47),
    scenario=("poor_service", "complaint_escalation"),
    turns=(
        ScriptTurn(A, "喂，说吧。"),
        ScriptTurn(C, "你好，我家里的宽带从昨天晚上开始就上不了网了，能不能帮我看一下？"),
        ScriptTurn(A, "宽带的问题这个不归我管，你自己去营业厅问。"),
        ScriptTurn(C, "我是你们的贵宾客户，打了三次电话都没人解决，你们到底管不管？"),
        ScriptTurn(A, "我已经说过了，这边没办法处理。"),
        ScriptTurn(C, "你这是什么态度？我要投诉你，把你的工号告诉我。"),
        ScriptTurn(A, "随便你。"),
    ),
)

DEAD_AIR = Dialogue(
    call_id="DEMO-0003",
    language="zh",
    direction=Direction.INBOUND,
    agent_id="3362",
    customer_msisdn="13600002468",
    start_time=_at(3, 14, 5),
    scenario=("dead_air",),
    turns=(
        ScriptTurn(A, "您好，工号三三六二为您服务，请问有什么可以帮您？"),
        ScriptTurn(C, "我上个月的话费怎么多扣了三十块钱，能帮我查一下吗？"),
        ScriptTurn(A, "好的，请您提供一下机主身份证号码的后四位。"),
        ScriptTurn(C, "一九零三。"),
        ScriptTurn(A, "验证通过，请您稍等，我帮您查询一下扣费明细。"),
        ScriptTurn(
            A, "感谢您的耐心等待。查到了，多出来的三十元是一个视频会员的包月费用。", hold_s=15.0
        ),
        ScriptTurn(C, "我没有订过这个会员啊。"),
        ScriptTurn(A, "我已经帮您退订了，这三十元会在三个工作日内退回您的账户。"),
        ScriptTurn(C, "那好吧，谢谢。"),
        ScriptTurn(A, "不客气，请问还有其他可以帮您的吗？"),
        ScriptTurn(C, "没有了。"),
        ScriptTurn(A, "感谢您的来电，再见。"),
    ),
)

OVERTALK = Dialogue(
    call_id="DEMO-0004",
    language="zh",
    direction=Direction.INBOUND,
    agent_id="3418",
    customer_msisdn="13500003579",
    start_time=_at(3, 16, 30),
    scenario=("overtalk",),
    turns=(
        ScriptTurn(A, "您好，工号三四一八为您服务，请问有什么可以帮您？"),
        ScriptTurn(
            C,
            "我下个星期要去香港出差，想问一下国际漫游要怎么开通，费用大概是多少，还有流量怎么算。",
        ),
        ScriptTurn(A, "漫游已经默认开通了，您直接用就可以。", overlap_s=2.0),
        ScriptTurn(C, "那流量呢？我上次出去用了一天就扣了好几十块钱，我想找个便宜一点的办法。"),
        ScriptTurn(A, "您可以订一个港澳流量日包，每天二十八元。", overlap_s=1.5),
        ScriptTurn(C, "好的，那你帮我订三天吧。"),
        ScriptTurn(A, "好的，已经为您订好了。请问还有其他可以帮您的吗？"),
        ScriptTurn(C, "没有了，谢谢。"),
        ScriptTurn(A, "感谢您的来电，祝您出差顺利，再见。"),
    ),
)

PLAN_FIT = Dialogue(
    call_id="DEMO-0005",
    language="zh",
    direction=Direction.OUTBOUND,
    agent_id="5102",
    customer_msisdn="13800004321",
    start_time=_at(4, 10, 20),
    sample_rate=16000,
    scenario=("outbound_plan_fit",),
    turns=(
        ScriptTurn(A, "您好，请问是李先生吗？我是贵宾服务中心的电话经理，工号五一零二。"),
        ScriptTurn(C, "是我，有什么事吗？"),
        ScriptTurn(
            A,
            "我们昨天给您发过短信。我看到您最近三个月每个月通话不到一百分钟，"
            "流量却用了四十个G，现在的套餐不太适合您。",
        ),
        ScriptTurn(C, "是吗？那有什么更合适的套餐？"),
        ScriptTurn(
            A, "推荐您换成畅享一二八元套餐，包含六十个G流量和三百分钟通话，每月还能省下二十多元。"
        ),
        ScriptTurn(C, "听起来不错，什么时候生效？"),
        ScriptTurn(A, "下个月一号生效，您回复短信确认就可以。请问还有其他可以帮您的吗？"),
        ScriptTurn(C, "没有了，谢谢你提醒。"),
        ScriptTurn(A, "不客气，祝您生活愉快，再见。"),
    ),
)

BIRTHDAY = Dialogue(
    call_id="DEMO-0006",
    language="zh",
    direction=Direction.OUTBOUND,
    agent_id="5127",
    customer_msisdn="13900008765",
    start_time=_at(5, 11, 0),
    channels="mono",
    scenario=("outbound_birthday_care",),
    turns=(
        ScriptTurn(A, "您好，请问是王女士吗？我是贵宾服务中心的电话经理，工号五一二七。"),
        ScriptTurn(C, "对，我是。"),
        ScriptTurn(A, "王女士，提前祝您生日快乐！作为我们的贵宾客户，您生日当月的月租可以免单。"),
        ScriptTurn(C, "真的吗？需要我做什么吗？"),
        ScriptTurn(
            A, "不需要，系统会自动减免。以后有需要可以直接打我的电话，一三九零零零零五一二七。"
        ),
        ScriptTurn(C, "好的，太感谢了。"),
        ScriptTurn(A, "不客气，再次祝您生日快乐，再见。"),
    ),
)

POINTS = Dialogue(
    call_id="DEMO-0007",
    language="zh",
    direction=Direction.OUTBOUND,
    agent_id="5133",
    customer_msisdn="13700001357",
    start_time=_at(5, 15, 40),
    scenario=("outbound_points_reminder",),
    turns=(
        ScriptTurn(A, "您好，请问是赵先生吗？我是贵宾服务中心的电话经理，工号五一三三。"),
        ScriptTurn(C, "是的，你说。"),
        ScriptTurn(A, "提醒您一下，您账户里有六千积分，这个月底就要过期清零了。"),
        ScriptTurn(C, "我都不知道有这么多积分，能换什么？"),
        ScriptTurn(A, "可以兑换六十元话费，或者兑换二十个G的流量，我现在就可以帮您兑换。"),
        ScriptTurn(C, "那就换话费吧。"),
        ScriptTurn(A, "好的，已经为您兑换了六十元话费。请问还有其他可以帮您的吗？"),
        ScriptTurn(C, "没有了，谢谢。"),
        ScriptTurn(A, "感谢您的支持，祝您生活愉快，再见。"),
    ),
)

SUSPENSION_CARE = Dialogue(
    call_id="DEMO-0008",
    language="zh",
    direction=Direction.OUTBOUND,
    agent_id="5146",
    customer_msisdn="13600009753",
    start_time=_at(6, 9, 35),
    scenario=("outbound_suspension_care",),
    turns=(
        ScriptTurn(A, "您好，请问是陈女士吗？我是贵宾服务中心的电话经理，工号五一四六。"),
        ScriptTurn(C, "是我，什么事？"),
        ScriptTurn(A, "早上我们给您发过短信，您的话费余额已经欠费五元，按规定明天就会停机。"),
        ScriptTurn(C, "哎呀，我这几天在外地，没顾上充值。"),
        ScriptTurn(
            A,
            "考虑到您是贵宾客户，我们先给您十元的临时额度，保证您正常使用，您方便的时候再充值就可以。",
        ),
        ScriptTurn(C, "那太好了，我回去就充。"),
        ScriptTurn(A, "好的，请问还有其他可以帮您的吗？"),
        ScriptTurn(C, "没有了，谢谢你们。"),
        ScriptTurn(A, "不客气，祝您一路平安，再见。"),
    ),
)

ENGLISH_INBOUND = Dialogue(
    call_id="DEMO-0009",
    language="en",
    direction=Direction.INBOUND,
    agent_id="4420",
    customer_msisdn="13500002222",
    start_time=_at(6, 13, 15),
    scenario=("exemplary",),
    turns=(
        ScriptTurn(
            A, "Good afternoon, this is agent four four two zero. How may I help you today?"
        ),
        ScriptTurn(C, "Hi. I was charged twice for my monthly plan and I would like to know why."),
        ScriptTurn(
            A,
            "I am sorry to hear that. To protect your account, "
            "could you tell me the last four digits of your ID card?",
        ),
        ScriptTurn(C, "Sure, it is seven three one five."),
        ScriptTurn(
            A,
            "Thank you, you are verified. I can see the double charge. "
            "I have refunded it, and you will see the money within three days.",
        ),
        ScriptTurn(C, "Great, thank you."),
        ScriptTurn(
            A,
            "You also have points expiring next month. Would you like to redeem them for data?",
        ),
        ScriptTurn(C, "Yes, please do that."),
        ScriptTurn(A, "Done. Is there anything else I can help you with?"),
        ScriptTurn(C, "No, that is all."),
        ScriptTurn(A, "Thank you for calling. Have a wonderful day. Goodbye."),
    ),
    sample_rate=8000,
)

DIALOGUES: tuple[Dialogue, ...] = (
    EXEMPLARY,
    POOR_SERVICE,
    DEAD_AIR,
    OVERTALK,
    PLAN_FIT,
    BIRTHDAY,
    POINTS,
    SUSPENSION_CARE,
    ENGLISH_INBOUND,
)
