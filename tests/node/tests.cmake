# regie serve --role dva|pgo --config FILE: config errors with FILE:LINE, a node's data directory,
# its start and stop (plain loopback and TLS). Fast; also under the sanitizers.
add_test(NAME node/cli COMMAND bash ${CMAKE_SOURCE_DIR}/tests/node/cli.sh $<TARGET_FILE:regie>)
set_tests_properties(node/cli PROPERTIES LABELS "node;san" TIMEOUT 180)
