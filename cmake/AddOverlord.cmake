#===- AddOverlord.cmake - helpers for overlord libraries --------------------===#
#
# add_overlord_library(NAME LINK libs...) builds lib/NAME/*.cpp into the static
# library `Overlord<NAME>` with the public headers in include/overlord/NAME.
# Sources are globbed so that adding a file needs no CMake edit.
#
#===------------------------------------------------------------------------===#
function(add_overlord_library name)
  cmake_parse_arguments(ARG "" "" "LINK;PRIVATE_LINK" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_library(Overlord${name} STATIC ${srcs})
  target_include_directories(Overlord${name} PUBLIC
    ${PROJECT_SOURCE_DIR}/compiler/include ${PROJECT_BINARY_DIR}/compiler/include)
  target_link_libraries(Overlord${name} PUBLIC ${ARG_LINK} PRIVATE ${ARG_PRIVATE_LINK})
endfunction()
