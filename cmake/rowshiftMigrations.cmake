# rowshift_add_migrations(TARGET [SOURCES file.cpp ...] [LIBRARIES lib ...])
#
# Links C++ migrations into a migration program so that none is dropped. A migration
# registers itself from a static object (rowshift::Registration); nothing calls it, so a
# linker that pulls members out of a static library only when they are referenced leaves
# it out, and `plan` says "no migrations found". SOURCES are compiled into TARGET itself;
# each of LIBRARIES (static libraries that hold registrations) is linked whole.
function(rowshift_add_migrations target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;LIBRARIES")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "rowshift_add_migrations: unexpected arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(ARG_SOURCES)
    target_sources(${target} PRIVATE ${ARG_SOURCES})
  endif()
  foreach(lib IN LISTS ARG_LIBRARIES)
    if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.24)
      target_link_libraries(${target} PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,${lib}>")
    else()
      target_link_libraries(${target} PRIVATE -Wl,--whole-archive ${lib} -Wl,--no-whole-archive)
    endif()
  endforeach()
  target_link_libraries(${target} PRIVATE rowshift::rowshift)
endfunction()
