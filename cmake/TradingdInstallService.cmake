# Install-time step (install(SCRIPT)): writes the systemd unit and the service's
# settings.toml with their paths pointed at this install. Relative dirs are
# under the prefix (a packager installing to /usr passes
# -DCMAKE_INSTALL_SYSCONFDIR=/etc -DCMAKE_INSTALL_LOCALSTATEDIR=/var, as
# debhelper does, and as the `package` preset does).
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
tradingd_full(localstatedir "${tradingd_localstatedir}")

function(tradingd_write dest_dir name text)
  set(dest "$ENV{DESTDIR}${dest_dir}")
  message(STATUS "Installing: ${dest}/${name}")
  file(MAKE_DIRECTORY "${dest}")
  file(WRITE "${dest}/${name}" "${text}")
endfunction()

# The unit: its programs, config and writable folders where this install put them.
file(READ "${tradingd_unit_source}" unit)
string(REPLACE "/usr/local/bin/tradingd" "${bindir}/tradingd" unit "${unit}")
string(REPLACE "/etc/tradingd" "${sysconfdir}/tradingd" unit "${unit}")
string(REPLACE "/usr/local/share/doc/tradingd" "${docdir}" unit "${unit}")
string(REPLACE "/var/lib/tradingd" "${localstatedir}/lib/tradingd" unit "${unit}")
string(REPLACE "/var/log/tradingd" "${localstatedir}/log/tradingd" unit "${unit}")
tradingd_write("${unitdir}" tradingd.service "${unit}")

# The service's settings: the sample's, with the journal and the logs in the
# service's own folders (the unit lets it write there and nowhere else).
file(READ "${tradingd_settings_source}" settings)
foreach(pair "db_path = \"data/journal.db\"|db_path = \"${localstatedir}/lib/tradingd/journal.db\""
             "dir = \"logs\"                  # logs/trading.log, rotated|dir = \"${localstatedir}/log/tradingd\"  # trading.log, rotated")
  string(REPLACE "|" ";" pair "${pair}")
  list(GET pair 0 from)
  list(GET pair 1 to)
  string(FIND "${settings}" "${from}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${tradingd_settings_source} no longer has the line '${from}' this install rewrites")
  endif()
  string(REPLACE "${from}" "${to}" settings "${settings}")
endforeach()
tradingd_write("${sysconfdir}/tradingd" settings.toml "${settings}")
