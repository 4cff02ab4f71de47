# Install-time step (install(SCRIPT)): writes config/tradingd.service into the
# unit folder with its paths pointed at this install's prefix. Relative dirs
# are under the prefix, where install(FILES) put the config too (a packager
# installing to /usr passes -DCMAKE_INSTALL_SYSCONFDIR=/etc, as debhelper does).
function(tradingd_full out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
tradingd_full(bindir "${tradingd_bindir}")
tradingd_full(docdir "${tradingd_docdir}")
tradingd_full(unitdir "${tradingd_unitdir}")
tradingd_full(sysconfdir "${tradingd_sysconfdir}")
file(READ "${tradingd_unit_source}" unit)
string(REPLACE "/usr/local/bin/tradingd" "${bindir}/tradingd" unit "${unit}")
string(REPLACE "/etc/tradingd" "${sysconfdir}/tradingd" unit "${unit}")
string(REPLACE "/usr/local/share/doc/tradingd" "${docdir}" unit "${unit}")
set(dest "$ENV{DESTDIR}${unitdir}")
message(STATUS "Installing: ${dest}/tradingd.service")
file(MAKE_DIRECTORY "${dest}")
file(WRITE "${dest}/tradingd.service" "${unit}")
