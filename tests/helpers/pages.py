"""Saved web pages as a user has them, shared by the corpus tests and the command line's `corpus import`."""

# A page whose only date is its footer's copyright year, with a heading that repeats its title
FOOTER_YEAR_PAGE = """<!doctype html><html><head><title>Slow Intimacy | Example Journal</title>
<meta property="og:site_name" content="Example Journal"></head>
<body><nav><a href="/">Home</a> <a href="/about">About</a></nav>
<article><h1>Slow Intimacy</h1>
<p>Going slowly gives both partners room to notice what feels good and what does not. Pausing is not failure;
it is information that helps both people stay present with each other.</p>
<h2>A signal for stopping</h2>
<p>Many survivors find that naming a signal for stopping, agreed in advance, makes closeness feel safer.<br>The
signal can be a word or a gesture, and using it should never need an explanation.</p>
<ul><li>A word such as pause, agreed in advance between you.</li><li>A tap on the shoulder when words are hard.</li></ul>
</article><footer>\u00a9 2024 Example Journal. Privacy policy.</footer></body></html>"""
