/*
 * map.h - a hash map from a non-zero 64-bit key (an id, or a pointer cast
 * to uintptr_t) to a size_t: open addressing with linear probing, grown to
 * stay at most half full.  The one map of agdb (engine tasks, snapshots).
 */
#ifndef AG_MAP_H
#define AG_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ag_map {
	uint64_t *keys;		/* 0: empty slot */
	size_t *vals;
	size_t cap, len;
} ag_map;

#define AG_MAP_EMPTY { NULL, NULL, 0, 0 }

/* Sets key -> val (key != 0): 0, or -1 with AG_ERR_NOMEM. */
int ag_map_put(ag_map *m, uint64_t key, size_t val);
/* True and *val when key is there. */
bool ag_map_get(const ag_map *m, uint64_t key, size_t *val);
void ag_map_free(ag_map *m);

#endif
