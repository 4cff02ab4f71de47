# Run by ctest: installs BUILD_DIR into PREFIX and checks what a user or a
# packager relies on. Fails (FATAL_ERROR) naming the first thing missing.
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} RESULT_VARIABLE rc
                OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
foreach(f bin/tradingd bin/exchange-sim bin/tradingd-sweep etc/tradingd/settings.toml lib/systemd/system/tradingd.service
          share/doc/tradingd/README.md share/doc/tradingd/sample-conditions.json share/doc/tradingd/copyright
          share/doc/tradingd/changelog.gz share/doc/tradingd/examples/breakout_strategist.py
          share/doc/tradingd/docs/design.md share/doc/tradingd/docs/operations.md share/doc/tradingd/docs/openapi.yaml
          share/tradingd/prometheus/tradingd-alerts.yml share/tradingd/grafana/tradingd.json
          lib/python3/dist-packages/tradingd_client/client.py share/man/man1/tradingd.1.gz
          share/man/man1/exchange-sim.1.gz share/man/man1/tradingd-sweep.1.gz)
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
file(READ ${PREFIX}/etc/tradingd/settings.toml settings)
if(NOT settings MATCHES "db_path = \"${PREFIX}/var/lib/tradingd/journal.db\"" OR
   NOT settings MATCHES "dir = \"${PREFIX}/var/log/tradingd\"")
  message(FATAL_ERROR "the installed config does not keep the journal and logs under ${PREFIX}/var:\n${settings}")
endif()
file(GLOB pycache ${PREFIX}/lib/python3/dist-packages/tradingd_client/__pycache__)
if(pycache)
  message(FATAL_ERROR "a __pycache__ was installed: ${pycache}")
endif()
file(READ ${PREFIX}/lib/systemd/system/tradingd.service unit)
if(NOT unit MATCHES "ExecStart=${PREFIX}/bin/tradingd --config ${PREFIX}/etc/tradingd/settings.toml")
  message(FATAL_ERROR "the unit does not start the installed tradingd with the installed config:\n${unit}")
endif()
if(NOT unit MATCHES "ReadWritePaths=${PREFIX}/var/lib/tradingd ${PREFIX}/var/log/tradingd" OR NOT unit MATCHES "Type=notify")
  message(FATAL_ERROR "the unit does not let tradingd write its journal and logs under ${PREFIX}/var:\n${unit}")
endif()
message(STATUS "installed and checked under ${PREFIX}")
