"""No N+1: an issues page costs the same number of SQL statements whatever its size."""

from __future__ import annotations

from tests.conftest import RESIDENT, VILLAGE, Api
from tests.issue_ops import report

PAGE = """query($n: Int!) { issues(first: $n) { totalCount edges { node {
  id title status region { name parent { name } } reporter { displayName phone roles { role } }
  assignee { displayName } photos { url }
  timeline(last: 3) { edges { node { kind actor { displayName } photos { url } } } }
} } } }"""


def test_issue_page_statement_count_does_not_grow_with_page_size(api: Api, count_statements):
    village = api.region_of(VILLAGE)
    for _ in range(12):
        report(api, RESIDENT, village, photos=1)
    token = api.token(VILLAGE)  # sign in before counting

    def statements(n: int) -> int:
        with count_statements() as counter:
            data = api.ok(PAGE, {"n": n}, token=token)
        assert len(data["issues"]["edges"]) == n
        return counter.count

    small, large = statements(2), statements(12)
    assert small == large, f"{small} statements for 2 issues but {large} for 12"
    print(f"issues page: {large} SQL statements for 2 and for 12 issues")
    assert large <= 10, f"{large} statements for one page"
