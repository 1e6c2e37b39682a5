"""``matcher serve``: the web page and the JSON API, an edge of the library like the CLI.

:func:`~cli.web.app.create_app` makes the FastAPI application from a function that opens a
:class:`~matcher.Matcher`; the routes only parse parameters, call the facade and render its
values (``to_json()`` for the API, templates for the pages). Needs the ``web`` extra.
"""
