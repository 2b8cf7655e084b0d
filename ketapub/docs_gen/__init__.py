"""Reference pages of the documentation site, made from the code they describe.

Each module turns one kind of declaration into Markdown: the source format from the pydantic
models (``.source_format``), renderer options from their option classes
(``.options_page``), template variables and blocks from the templates
(``.template_ref``). The site's build (``docs/gen_pages.py``) calls them, so a page can
never disagree with the code it documents.
"""
