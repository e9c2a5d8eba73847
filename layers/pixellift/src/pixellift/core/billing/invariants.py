"""The ledger's invariants, checked the way a simulator checks a ledger after every transfer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pixellift.core.billing.ledger import Account, Hold, HoldStatus


def violations(accounts: Iterable[Account], holds: Iterable[Hold]) -> list[str]:
    """Every broken invariant of one workspace's ledger (empty when it is sound).

    Posted balances sum to zero per currency; what accounts hold out equals what they hold in and
    what the pending holds still reserve; no limited account is below its allowance.
    """
    found: list[str] = []
    posted: dict[str, int] = defaultdict(int)
    out: dict[str, int] = defaultdict(int)
    inward: dict[str, int] = defaultdict(int)
    reserved: dict[str, int] = defaultdict(int)
    for h in holds:
        if h.status is HoldStatus.PENDING:
            reserved[h.debit_account] += h.remaining
        elif h.remaining:
            found.append(f"hold {h.hold_id} is {h.status} but still reserves {h.remaining}")
    for acc in accounts:
        posted[acc.currency] += acc.posted
        out[acc.currency] += acc.pending_out
        inward[acc.currency] += acc.pending_in
        if acc.headroom is not None and acc.headroom < 0:
            found.append(f"account {acc.account_id} is {-acc.headroom} below its allowance")
        if acc.pending_out != reserved.pop(acc.account_id, 0):
            found.append(f"account {acc.account_id} holds {acc.pending_out} out, its holds differ")
    found += [f"hold debits unknown account {a}" for a, r in reserved.items() if r]
    found += [f"posted {c} balances sum to {s}, not 0" for c, s in posted.items() if s]
    found += [f"{c} held out {out[c]} but held in {inward[c]}" for c in out if out[c] != inward[c]]
    return found
