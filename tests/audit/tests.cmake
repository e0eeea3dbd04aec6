# regie audit: the access log's verify/show/anchor/note through the real binary (fast; also under
# the sanitizers).
add_test(NAME audit/cli COMMAND bash ${CMAKE_SOURCE_DIR}/tests/audit/cli.sh $<TARGET_FILE:regie>)
set_tests_properties(audit/cli PROPERTIES LABELS "audit;san" TIMEOUT 120)
