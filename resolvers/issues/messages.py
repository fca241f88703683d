"""The issue domain's error messages, in Chinese and English (see core/errors.py)."""

from __future__ import annotations

from core.errors import register_messages

MESSAGES: dict[str, tuple[str, str]] = {
    "report_throttled": (
        "提交过于频繁：每小时最多 {max} 条。",
        "Too many reports: at most {max} an hour.",
    ),
    "invalid_transition": (
        "状态为“{status}”的诉求不能执行此操作。",
        "This cannot be done to an issue whose status is {status}.",
    ),
    "reopen_window": (
        "办结超过 {days} 天的诉求不能再重新打开，请重新反映。",
        "An issue closed more than {days} days ago cannot be reopened; report it anew.",
    ),
    "top_level": ("已在县级处理，无法继续上报。", "Already at county level: nowhere to escalate."),
    "conflict": (
        "该诉求刚被他人修改，请刷新后重试。",
        "The issue was just changed by someone else; reload and try again.",
    ),
    "evidence_needed": (
        "办结需要说明和至少一张照片。",
        "Resolving needs a note and at least one photo.",
    ),
    "own_work": (
        "您经手办理此诉求，不能评价或申诉：任何人都不能评价自己的工作。",
        "You handle this issue, so you cannot rate it or appeal: nobody rates their own work.",
    ),
    "region_required": (
        "按下级地区分组需要在筛选条件中指定地区（regionId）。",
        "Grouping by child region needs a region in the filter (regionId).",
    ),
    "rating_range": ("评分必须在 1 到 5 之间。", "The rating must be between 1 and 5."),
    "not_staff": (
        "只能指派给本辖区内具有工作人员（STAFF）角色的人。",
        "Only a STAFF member whose region covers the issue can be assigned.",
    ),
    "duplicate_self": ("不能标记为自身的重复。", "An issue cannot duplicate itself."),
    "duplicate_of_duplicate": (
        "目标诉求本身是重复诉求，请指向原始诉求。",
        "That issue is itself a duplicate; point to the original.",
    ),
    "service_window": (
        "上门服务需要预约时间段和地址。",
        "A home service request needs a time window and an address.",
    ),
    "window_order": ("结束时间必须晚于开始时间。", "The end must be after the start."),
    "window_past": ("预约时间段已经过去。", "That time window is already over."),
    "window_range": (
        "预约时间须在一年之内。",
        "A home visit can be booked up to a year ahead.",
    ),
    "needs_offset": (
        "时间须带时区，例如 2026-12-01T09:00:00+08:00。",
        "Give the time with its offset, e.g. 2026-12-01T09:00:00+08:00.",
    ),
    "proxy_not_allowed": (
        "只有网格员或辖区干部可以代为上报。",
        "Only grid heads and officials of the region can report on someone's behalf.",
    ),
    "region_level": ("只能在村或院落上报诉求。", "Issues are reported in a village or courtyard."),
    "merged_child": (
        "该诉求已合并到另一条诉求，请通过合并后的诉求办理。",
        "This issue is merged into another one: work it through that one.",
    ),
    "merged_parent": (
        "该诉求合并了其他群众的诉求，在它们办结前不能撤销或标记为重复。",
        "Other people's issues are merged into this one: it cannot be withdrawn or marked "
        "a duplicate while they are open.",
    ),
    "not_merged": (
        "该诉求没有合并到其他诉求（或已办结）。",
        "This issue is not merged into another one (or no longer open).",
    ),
    "merge_too_few": ("合并至少需要两条诉求。", "Merging takes at least two issues."),
    "merge_too_many": (
        "一次最多合并 {max} 条诉求。",
        "At most {max} issues can be merged at once.",
    ),
    "merge_parent_outside": (
        "主诉求必须是要合并的诉求之一。",
        "The parent must be one of the issues merged.",
    ),
    "merge_parent_given": (
        "已选定主诉求时，不需要填写新主诉求的标题和说明。",
        "With a parent chosen, leave out a new parent's title and description.",
    ),
    "merge_is_parent": (
        "该诉求已合并了其他诉求，只能作为主诉求。",
        "This issue has issues merged into it: it can only be the parent.",
    ),
    "merge_categories": (
        "只能合并同一类别的诉求。",
        "Only issues of one category can be merged.",
    ),
    "merge_parent_region": (
        "主诉求所在地区必须覆盖所有被合并诉求的地区；可改为新建主诉求。",
        "The parent's region must cover every merged issue's region; create a new parent instead.",
    ),
    "location_range": (
        "纬度须在 -90 到 90 之间，经度须在 -180 到 180 之间。",
        "Latitude must be between -90 and 90, longitude between -180 and 180.",
    ),
}

register_messages(MESSAGES)
