/* The typed node configuration: every setting of docs/node-config.md with its default, read from
 * the config file with util/ini. The struct is filled by node_config_load (src/node/config.c). */
#ifndef REGIE_NODE_CONFIG_H
#define REGIE_NODE_CONFIG_H

struct node_config;

#endif
