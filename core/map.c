/*
 * map.c - the hash map of map.h.
 */
#include "internal.h"
#include "map.h"

static size_t slot_of(uint64_t x, size_t cap)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

static int grow(ag_map *m)
{
	ag_map n = { NULL, NULL, m->cap ? m->cap * 2 : 64, 0 };
	n.keys = calloc(n.cap, sizeof *n.keys);
	n.vals = malloc(n.cap * sizeof *n.vals);
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return ag_error(AG_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			ag_map_put(&n, m->keys[i], m->vals[i]);
	ag_map_free(m);
	*m = n;
	return 0;
}

int ag_map_put(ag_map *m, uint64_t key, size_t val)
{
	if ((m->len + 1) * 2 > m->cap && grow(m) < 0)
		return -1;
	size_t h = slot_of(key, m->cap);
	while (m->keys[h] && m->keys[h] != key)
		h = (h + 1) & (m->cap - 1);
	if (!m->keys[h])
		m->len++;
	m->keys[h] = key;
	m->vals[h] = val;
	return 0;
}

bool ag_map_get(const ag_map *m, uint64_t key, size_t *val)
{
	if (!m->cap)
		return false;
	for (size_t h = slot_of(key, m->cap); m->keys[h];
	     h = (h + 1) & (m->cap - 1))
		if (m->keys[h] == key) {
			*val = m->vals[h];
			return true;
		}
	return false;
}

void ag_map_free(ag_map *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->len = 0;
}
