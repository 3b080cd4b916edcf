// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU counters. Writers never share a cache line with another CPU;
 * readers sum every CPU's copy, so a sum taken while packets flow is a
 * close snapshot, not an atomic one.
 */
#include <linux/percpu.h>

#include "scon.h"

struct scon_stats {
	u64 counter[__SCON_CTR_MAX];
};

static struct scon_stats __percpu *scon_stats;

void scon_count(enum scon_counter counter)
{
	this_cpu_inc(scon_stats->counter[counter]);
}

void scon_count_add(enum scon_counter counter, u64 n)
{
	this_cpu_add(scon_stats->counter[counter], n);
}

u64 scon_counter_sum(enum scon_counter counter)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(scon_stats, cpu)->counter[counter]);

	return sum;
}

int scon_stats_init(void)
{
	scon_stats = alloc_percpu(struct scon_stats);
	return scon_stats ? 0 : -ENOMEM;
}

void scon_stats_exit(void)
{
	free_percpu(scon_stats);
}
