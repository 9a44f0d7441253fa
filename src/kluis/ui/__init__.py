"""The staff shell: what every staff page stands on. The template environment and its layout, the
Babel catalogues, rendering, the page route that turns failures into pages, the request's language,
the vocabulary, the limits on forms that send mail, and the static files. Imports no slice."""
