## C unit tests of core.
CORE_TESTS = \
	tests/core/test_tensor tests/core/test_view tests/core/test_copy \
	tests/core/test_overlap tests/core/test_promote tests/core/test_elementwise \
	tests/core/test_reduce tests/core/test_linalg \
	tests/core/test_factory tests/core/test_rng tests/core/test_index \
	tests/core/test_format tests/core/test_autograd \
	tests/core/test_robust tests/core/test_stats_sink \
	tests/core/test_gemm_f16 tests/core/test_gemm_bf16
check_PROGRAMS += $(CORE_TESTS)
TESTS += $(CORE_TESTS) tests/core/test_layers.sh
EXTRA_DIST += tests/core/test_layers.sh tests/core/elements.h \
	tests/core/grad_stats_ref.h
CORE_TEST_LDADD = libagcore.la -lm
tests_core_test_tensor_LDADD = $(CORE_TEST_LDADD)
tests_core_test_view_LDADD = $(CORE_TEST_LDADD)
tests_core_test_copy_LDADD = $(CORE_TEST_LDADD)
tests_core_test_overlap_LDADD = $(CORE_TEST_LDADD)
tests_core_test_promote_LDADD = $(CORE_TEST_LDADD)
tests_core_test_elementwise_LDADD = $(CORE_TEST_LDADD)
tests_core_test_reduce_LDADD = $(CORE_TEST_LDADD)
tests_core_test_linalg_LDADD = $(CORE_TEST_LDADD)
tests_core_test_factory_LDADD = $(CORE_TEST_LDADD)
tests_core_test_rng_LDADD = $(CORE_TEST_LDADD)
tests_core_test_index_LDADD = $(CORE_TEST_LDADD)
tests_core_test_format_LDADD = $(CORE_TEST_LDADD)
tests_core_test_autograd_LDADD = $(CORE_TEST_LDADD)
tests_core_test_robust_LDADD = $(CORE_TEST_LDADD)
tests_core_test_stats_sink_LDADD = $(CORE_TEST_LDADD)
tests_core_test_gemm_f16_LDADD = $(CORE_TEST_LDADD)
tests_core_test_gemm_bf16_LDADD = $(CORE_TEST_LDADD)
# Fixtures generated from PyTorch 1.13 (the generators need it, the tests not).
EXTRA_DIST += tests/core/test_factory_cases.h tests/core/test_rng_cases.h \
	tests/core/test_elementwise_cases.h \
	tests/core/test_format_cases.h tests/core/gen_factory_cases.py \
	tests/core/gen_rng_cases.py tests/core/gen_format_cases.py \
	tests/core/gen_elementwise_cases.py
