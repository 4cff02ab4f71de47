# The areas of src/ as build targets, with the layering the build enforces
# (docs/architecture.md draws the graph).
#
# Every area's headers live under include/tradingd/<area>/, one include root.
# A shared root would let any file include any header, so no area compiles
# against it: each gets a view of its own, build/areas/<area>/tradingd/, with a
# link to its own headers and to those of the areas it may use (its DEPS and
# theirs), and nothing else. An upward include, say sniper including
# "tradingd/api/control_api.hpp", is then "No such file" at compile time.
# The `layering` test (tests/layering_test.py) shows it for every pair of areas.
#
# Only the tests, the benchmarks and the fuzz targets see the whole root, through
# tradingd_engine (an interface library that links every area).

# tradingd_area_view(TARGET AREA DEPS <areas>): TARGET compiles against AREA's view.
function(tradingd_area_view target area)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "DEPS")
  set(visible ${area})
  foreach(dep IN LISTS arg_DEPS)
    get_property(dep_visible GLOBAL PROPERTY TRADINGD_AREA_VISIBLE_${dep})
    if(NOT dep_visible)
      message(FATAL_ERROR "area ${area}: its dependency '${dep}' is not an area declared before it")
    endif()
    list(APPEND visible ${dep_visible})
  endforeach()
  list(REMOVE_DUPLICATES visible)
  list(SORT visible)
  set_property(GLOBAL PROPERTY TRADINGD_AREA_VISIBLE_${area} ${visible})
  set_property(GLOBAL APPEND PROPERTY TRADINGD_AREAS ${area})

  set(view ${PROJECT_BINARY_DIR}/areas/${area})
  file(REMOVE_RECURSE ${view})
  file(MAKE_DIRECTORY ${view}/tradingd)
  foreach(each IN LISTS visible)
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/tradingd/${each} ${view}/tradingd/${each} SYMBOLIC)
  endforeach()
  target_include_directories(${target} PRIVATE ${view})
endfunction()

# tradingd_use_view(TARGET AREA): TARGET's sources belong to AREA, declared before.
function(tradingd_use_view target area)
  get_property(visible GLOBAL PROPERTY TRADINGD_AREA_VISIBLE_${area})
  if(NOT visible)
    message(FATAL_ERROR "${target}: '${area}' is not an area declared before it")
  endif()
  target_include_directories(${target} PRIVATE ${PROJECT_BINARY_DIR}/areas/${area})
endfunction()

# tradingd_area(AREA DEPS <areas> SOURCES <files> [PUBLIC_LIBS <t>] [PRIVATE_LIBS <t>]):
# the static library tradingd_<AREA>. Third-party libraries are PRIVATE unless
# the area's own headers include them.
function(tradingd_area area)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "DEPS;SOURCES;PUBLIC_LIBS;PRIVATE_LIBS")
  add_library(tradingd_${area} STATIC ${arg_SOURCES})
  tradingd_area_view(tradingd_${area} ${area} DEPS ${arg_DEPS})
  list(TRANSFORM arg_DEPS PREPEND tradingd_ OUTPUT_VARIABLE dep_targets)
  target_link_libraries(tradingd_${area} PUBLIC ${dep_targets} ${arg_PUBLIC_LIBS} PRIVATE ${arg_PRIVATE_LIBS})
  tradingd_set_warnings(tradingd_${area})
endfunction()
