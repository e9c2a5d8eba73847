"""Credits and billing: an exact double-entry ledger, prices, estimates, caps and client buckets.

Amounts are integers in a currency's minor units (cents); prices may carry fractions of a minor
unit as :class:`~decimal.Decimal` and are rounded once, per item. Currencies are never mixed.
"""
