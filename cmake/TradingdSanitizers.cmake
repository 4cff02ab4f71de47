# TRADINGD_SANITIZE=ON builds every target with AddressSanitizer and
# UndefinedBehaviorSanitizer (the `asan` preset); UBSan findings abort the test.
option(TRADINGD_SANITIZE "Build with ASan + UBSan" OFF)
if(TRADINGD_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
