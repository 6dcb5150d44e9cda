## viz: graph model -> layout -> canvas -> text / DOT / JSON (pure C).
noinst_LTLIBRARIES += libagviz.la
libagviz_la_SOURCES = \
	viz/viz.h viz/graph.h viz/layout.h viz/canvas.h viz/render.h \
	viz/vizint.h viz/lay.h \
	viz/sbuf.c viz/graph.c viz/label.c viz/layout.c viz/rank.c \
	viz/order.c viz/place.c viz/route.c viz/canvas.c viz/draw.c viz/prune.c \
	viz/render_text.c viz/render_dot.c viz/render_json.c \
	viz/snapshot.h viz/snapshot.c
libagviz_la_LIBADD = -lm

## The ncurses front end: only the agdb program links it (repl/local.mk),
## so the library and its tests stay free of curses.
VIZ_CURSES_SOURCES = viz/curses.h viz/render_curses.c
