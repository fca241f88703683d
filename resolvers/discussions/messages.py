"""The discussion domain's error messages, in Chinese and English (see core/errors.py)."""

from __future__ import annotations

from core.errors import register_messages

MESSAGES: dict[str, tuple[str, str]] = {
    "poll_options": ("投票须有 {min} 到 {max} 个选项。", "A poll has {min} to {max} options."),
    "duplicate_option": ("选项重复。", "The same option twice."),
    "poll_required": ("投票须填写选项和截止时间。", "A poll needs options and a closing time."),
    "only_for_polls": ("只有投票可以填写此项。", "Only for polls."),
    "closes_in_past": ("截止时间须晚于现在。", "The closing time must be in the future."),
    "discussion_closed": ("议事已结束。", "The discussion is closed."),
    "poll_closed": ("投票已截止。", "The poll is closed."),
    "not_a_poll": ("这不是投票。", "This is not a poll."),
    "one_choice": ("本投票只能选一项。", "This poll takes one choice."),
    "no_choice": ("请至少选择一项。", "Choose at least one option."),
    "not_an_option": ("不是本投票的选项。", "Not an option of this poll."),
    "not_a_voter": (
        "只有本村村民可以参加此投票。",
        "Only residents of the village vote in this poll.",
    ),
    # Decision meetings (议事会).
    "meeting_required": (
        "议事会须填写时间、地点或线上链接、议程和法定人数。",
        "A meeting needs a time, a place or online link, an agenda and a quorum.",
    ),
    "only_for_meetings": ("只有议事会可以填写此项。", "Only for meetings."),
    "meeting_time_required": ("请填写议事会的时间。", "A meeting needs a time."),
    "agenda_required": ("议事会须有议程。", "A meeting needs an agenda."),
    "agenda_items": ("议程至多 {max} 项。", "An agenda has at most {max} items."),
    "place_required": (
        "请填写会议地点或线上链接。",
        "A meeting needs a place or an online link.",
    ),
    "bad_url": ("链接须以 http:// 或 https:// 开头。", "A link starts with http:// or https://."),
    "bad_quorum": ("法定人数须为 1 到 {max}。", "A quorum is 1 to {max} attendees."),
    "not_a_meeting": ("这不是议事会。", "This is not a meeting."),
    "meeting_closed": ("议事会已结束。", "The meeting is closed."),
    "not_expected": (
        "此人不在本次议事会的参会范围内。",
        "This person is not among the meeting's expected attendees.",
    ),
    "not_an_attendee": (
        "只有本次议事会的参会人可以签到。",
        "Only the meeting's expected attendees check in.",
    ),
    "already_attending": ("已经签到。", "Already checked in."),
    "not_checked_in": ("请先签到再表决。", "Check in before voting."),
    "quorum_not_reached": (
        "未达到法定人数（{quorum} 人），不能表决。",
        "No vote before the quorum ({quorum} attendees) is reached.",
    ),
    "motion_closed": ("该议题已表决结束。", "The motion is closed."),
    "motions_open": (
        "还有议题未结束表决。",
        "Close the open motions first.",
    ),
}

register_messages(MESSAGES)
