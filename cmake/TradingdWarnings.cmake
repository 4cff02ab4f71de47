# Warnings are on in every build of our own targets. They are errors only where
# we choose: TRADINGD_WERROR is ON in the presets and in CI, OFF by default, so a
# user's or a packager's own flags (-DCMAKE_BUILD_TYPE=Release, another compiler
# or a newer one with new warnings) never fail on a warning. Third-party headers
# come in as SYSTEM includes through their imported targets.
option(TRADINGD_WERROR "Treat warnings in tradingd's own code as errors" OFF)

function(tradingd_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic
    -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Woverloaded-virtual -Wdouble-promotion -Wformat=2
    -Wimplicit-fallthrough)
  # GCC 12 at -O3 reports -Wrestrict inside libstdc++'s own std::string code
  # for `"literal" + std::string` and string::insert (GCC bug 105651, a false
  # positive fixed in GCC 13). It is silenced for GCC 12 only, so that any other
  # compiler still reports a real overlapping copy.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(TRADINGD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
