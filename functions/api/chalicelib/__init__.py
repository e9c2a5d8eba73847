"""The merchant API's routes and wiring, packaged by Chalice next to ``app.py``.

One module per area declares its routes on a :class:`~chalicelib.routing.Routes` table:
:mod:`~chalicelib.batches` (create, start, status, items), :mod:`~chalicelib.outputs` (published
files, bulk sheets), :mod:`~chalicelib.presets`, :mod:`~chalicelib.keys`,
:mod:`~chalicelib.shares` (links, opening, previews), :mod:`~chalicelib.invitations` and
:mod:`~chalicelib.credits`. ``app.py`` binds the tables to its ``Chalice`` app with
:func:`~chalicelib.routing.register`; the ports each app serves with live in its own
:class:`~chalicelib.context.ApiContext` (built by :mod:`~chalicelib.wiring`), so the modules here
hold no state and the app module can be loaded more than once in a process.
"""
