# The Debian package (CPack's DEB generator): `cpack` in a build configured by
# the `package` preset (prefix /usr, config in /etc, state in /var), or
# scripts/package.sh, which also runs lintian and can install-test it.
# The maintainer scripts and Debian files are deploy/debian/.
set(tradingd_debian ${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian)

# Debian wants the changelog and copyright in the doc folder, the changelog
# gzipped with -9n (reproducible: no name, no time).
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${tradingd_debian}/changelog)
execute_process(COMMAND gzip -9nc ${tradingd_debian}/changelog OUTPUT_FILE ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz
                COMMAND_ERROR_IS_FATAL ANY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz ${tradingd_debian}/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${tradingd_debian}/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME tradingd)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tradingd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "tradingd maintainers <maintainers@tradingd.example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "paper-trading daemon for Bybit and Binance spot streams")
set(CPACK_PACKAGE_DESCRIPTION
    "tradingd streams live prices from Bybit (primary) and Binance (fallback)\n"
    "over TLS WebSockets, fires pre-armed trigger conditions the instant a price\n"
    "crosses them, opens and closes paper positions under risk limits, and\n"
    "journals every step to SQLite. It replays the exchanges' archives and its\n"
    "own recorded sessions, and serves a control API, an event stream and\n"
    "Prometheus metrics.\n"
    "\n"
    "This package holds tradingd, exchange-sim (a loopback exchange for tests\n"
    "and demos), the systemd unit, the Python client, and alert rules and a\n"
    "Grafana dashboard.")
string(REPLACE ";" "" CPACK_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # tradingd_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE "")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/tradingd/tradingd")
# The libraries' packages are computed from the binaries (dpkg-shlibdeps);
# what the scripts and the Python client need is listed.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, python3, python3-websockets")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus, grafana, python3-distributed, python3-matplotlib, sqlite3")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${tradingd_debian}/conffiles ${tradingd_debian}/postinst ${tradingd_debian}/prerm ${tradingd_debian}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# The absolute folders (/etc, /lib/systemd/system) are staged under DESTDIR.
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
include(CPack)
