## Tests of viz: the model, the canvas, the layout, golden files of the
## text renderer (VIZ_REGEN=1 rewrites them), DOT (through $DOT_BIN when
## set) and JSON.
VIZ_TESTS = \
	tests/viz/test_graph tests/viz/test_canvas tests/viz/test_layout \
	tests/viz/test_golden tests/viz/test_dot tests/viz/test_json \
	tests/viz/test_limits
check_PROGRAMS += $(VIZ_TESTS)
TESTS += $(VIZ_TESTS)
VIZ_TEST_LDADD = libagviz.la libagcore.la -lm
tests_viz_test_graph_LDADD = $(VIZ_TEST_LDADD)
tests_viz_test_canvas_LDADD = $(VIZ_TEST_LDADD)
tests_viz_test_layout_LDADD = $(VIZ_TEST_LDADD)
tests_viz_test_limits_LDADD = $(VIZ_TEST_LDADD)
tests_viz_test_golden_LDADD = $(VIZ_TEST_LDADD)
tests_viz_test_golden_SOURCES = tests/viz/test_golden.c tests/viz/shapes.c tests/viz/shapes.h
tests_viz_test_dot_LDADD = $(VIZ_TEST_LDADD)
tests_viz_test_dot_SOURCES = tests/viz/test_dot.c tests/viz/shapes.c tests/viz/shapes.h
tests_viz_test_json_LDADD = $(VIZ_TEST_LDADD)
tests_viz_test_json_SOURCES = tests/viz/test_json.c tests/viz/shapes.c tests/viz/shapes.h
EXTRA_DIST += tests/viz/golden
