# TRADINGD_SANITIZE builds every target with sanitizers:
#   ON (or "address")  AddressSanitizer + UndefinedBehaviorSanitizer (the `asan`
#                      and `fuzz` presets); UBSan findings abort the test.
#   "thread"           ThreadSanitizer (the `tsan` preset): the io thread, the
#                      journal writer, the log thread and the API helper thread.
set(TRADINGD_SANITIZE OFF CACHE STRING "Sanitizers: OFF, ON/address (ASan + UBSan) or thread (TSan)")
if(TRADINGD_SANITIZE STREQUAL "thread")
  # TSan does not model atomic_thread_fence (GCC says so with -Wtsan): Asio's
  # fenced blocks, which need one, are left out; its queues and strands
  # synchronise with mutexes and atomics that TSan does see.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_compile_definitions(BOOST_ASIO_DISABLE_FENCED_BLOCK)
  add_link_options(-fsanitize=thread)
elseif(TRADINGD_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
