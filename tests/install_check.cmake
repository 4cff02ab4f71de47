# Run by ctest: installs BUILD_DIR into PREFIX and checks what a user or a
# packager relies on. Fails (FATAL_ERROR) naming the first thing missing.
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} RESULT_VARIABLE rc
                OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
foreach(f bin/tradingd bin/exchange-sim etc/tradingd/settings.toml lib/systemd/system/tradingd.service
          share/doc/tradingd/README.md share/doc/tradingd/sample-conditions.json
          share/doc/tradingd/docs/design.md share/doc/tradingd/docs/operations.md share/doc/tradingd/docs/openapi.yaml)
  if(NOT EXISTS ${PREFIX}/${f})
    message(FATAL_ERROR "not installed: ${PREFIX}/${f}")
  endif()
endforeach()
execute_process(COMMAND ${PREFIX}/bin/tradingd --config ${PREFIX}/etc/tradingd/settings.toml --check-config
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT err MATCHES "settings.toml: OK")
  message(FATAL_ERROR "the installed tradingd does not accept the installed config: ${rc} ${err}")
endif()
execute_process(COMMAND ${PREFIX}/bin/exchange-sim --help RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the installed exchange-sim does not run: ${rc} ${err}")
endif()
file(READ ${PREFIX}/lib/systemd/system/tradingd.service unit)
if(NOT unit MATCHES "ExecStart=${PREFIX}/bin/tradingd --config ${PREFIX}/etc/tradingd/settings.toml")
  message(FATAL_ERROR "the unit does not start the installed tradingd with the installed config:\n${unit}")
endif()
message(STATUS "installed and checked under ${PREFIX}")
