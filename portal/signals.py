"""Signals `portal` sends for the packages above it (blinker, as Flask does): the way case
handling tells the supplier module something without importing upward.

Each signal is sent *inside* the transaction that makes the change, with the session as the
sender, so whatever a receiver writes commits or rolls back together with the change: a
rolled-back outcome leaves nothing behind. Payloads are ids only, never case content.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# A case linked to a supplier now has a substantiated (or partly substantiated) outcome with
# a human-rights breach found. Sent with the session as sender and the keyword arguments
# `keys` (ServerKeys, for the receiver's audit record), `supplier_id` (the case's supplier
# link, as stored) and `case_id`. Sent again when the outcome is recorded again or the link
# changes: receivers are idempotent per case and supplier.
breach_substantiated = _signals.signal(
    "breach-substantiated",
    doc="A case linked to a supplier was found a substantiated human-rights breach.")
