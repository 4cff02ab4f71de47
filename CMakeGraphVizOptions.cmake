# `cmake --graphviz=FILE` (docs/architecture.md): the areas and the programs only,
# without the third-party libraries, tests, benchmarks and fuzz targets.
set(GRAPHVIZ_EXTERNAL_LIBS FALSE)
set(GRAPHVIZ_GENERATE_PER_TARGET FALSE)
set(GRAPHVIZ_GENERATE_DEPENDERS FALSE)
set(GRAPHVIZ_IGNORE_TARGETS "^tradingd_(unit|integration|perf|load)_tests$;^tradingd_(catch_main|test_support|fuzz_driver|bench|gbench|engine)$;^fuzz_")
