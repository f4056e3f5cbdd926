"""Names shared by courses and records: member categories (分类施教) and course categories.

The member categories follow the 分类施教 groups of the county report in ``shared/seeds`` (seed 001);
``全体党员`` marks a course meant for everyone.
"""

from __future__ import annotations

#: Member categories, in the order organisers list them.
MEMBER_CATEGORIES: tuple[str, ...] = (
    "种养业大户党员",
    "党员经纪人",
    "个体工商户、企业经营者党员",
    "工人党员",
    "年龄较大党员",
    "村(社区)干部",
    "流动党员",
)

#: Audience value for a course that suits every member.
ALL_MEMBERS = "全体党员"

#: Course categories (课程类别).
COURSE_CATEGORIES: tuple[str, ...] = ("政治理论", "党章党规", "政策法规", "实用技术", "经营管理")

#: The category whose courses certify a practical technology (掌握实用技术).
TECH_CATEGORY = "实用技术"
