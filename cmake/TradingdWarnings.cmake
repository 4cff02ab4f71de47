# Warnings are errors in our own targets; third-party headers come in as SYSTEM
# includes through their imported targets, so they cannot break the build.
function(tradingd_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Werror
    -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Woverloaded-virtual -Wdouble-promotion -Wformat=2
    -Wimplicit-fallthrough)
endfunction()
