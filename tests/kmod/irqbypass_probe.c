// SPDX-License-Identifier: GPL-2.0
/*
 * vdpa_rs_irqbypass_probe: an irq-bypass consumer for the VM tests, standing
 * in for KVM's irqfd so that the producers vhost_vdpa registers for its call
 * eventfds can be watched (tests/vm/vhost_irq.sh).
 *
 * /sys/kernel/debug/vdpa_rs_irqbypass/ctl takes one command per write:
 *   watch FD     register a consumer whose token is the eventfd FD of the
 *                writing process (the token vhost_vdpa gives the producer
 *                of a ring whose call eventfd it is)
 *   unwatch FD   unregister the consumer of that eventfd
 *   clear        unregister every consumer
 *   flush        empty the log
 * Reading it returns the log: one line per callback of the manager,
 *   add token=N irq=I     add_producer: producer of interrupt I connected
 *   del token=N irq=I     del_producer: disconnected
 * where N is the watch's slot, the lowest one free when it was made.
 *
 * Lock order: watch_lock, then the manager's lock (it calls back with it
 * held), then log_lock.
 */

#include <linux/debugfs.h>
#include <linux/eventfd.h>
#include <linux/irqbypass.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#define PROBE_SLOTS	8
#define PROBE_LOG_SIZE	8192

struct probe_watch {
	struct irq_bypass_consumer cons;
	struct eventfd_ctx *ctx;	/* the token; NULL while the slot is free */
	unsigned int slot;
};

static DEFINE_MUTEX(watch_lock);	/* watches[] */
static struct probe_watch watches[PROBE_SLOTS];

static DEFINE_MUTEX(log_lock);		/* log_buf, log_len */
static char log_buf[PROBE_LOG_SIZE];
static size_t log_len;

static struct dentry *probe_dir;

static __printf(1, 2) void probe_log(const char *fmt, ...)
{
	va_list args;
	int n;

	mutex_lock(&log_lock);
	va_start(args, fmt);
	n = vsnprintf(log_buf + log_len, sizeof(log_buf) - log_len, fmt, args);
	va_end(args);
	/* A line that does not fit is dropped whole; the test reads long before. */
	if (log_len + n < sizeof(log_buf))
		log_len += n;
	else
		log_buf[log_len] = '\0';
	mutex_unlock(&log_lock);
}

static int probe_add_producer(struct irq_bypass_consumer *cons,
			      struct irq_bypass_producer *prod)
{
	struct probe_watch *w = container_of(cons, struct probe_watch, cons);

	probe_log("add token=%u irq=%d\n", w->slot, prod->irq);
	return 0;
}

static void probe_del_producer(struct irq_bypass_consumer *cons,
			       struct irq_bypass_producer *prod)
{
	struct probe_watch *w = container_of(cons, struct probe_watch, cons);

	probe_log("del token=%u irq=%d\n", w->slot, prod->irq);
}

/* Unregisters the consumer of a used slot and drops its eventfd. */
static void probe_unwatch_slot(struct probe_watch *w)
{
	lockdep_assert_held(&watch_lock);
	irq_bypass_unregister_consumer(&w->cons);
	eventfd_ctx_put(w->ctx);
	w->ctx = NULL;
}

static int probe_watch(int fd)
{
	struct probe_watch *w = NULL;
	struct eventfd_ctx *ctx;
	int i, ret;

	ctx = eventfd_ctx_fdget(fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	mutex_lock(&watch_lock);
	for (i = 0; i < PROBE_SLOTS; i++) {
		if (watches[i].ctx == ctx) {
			ret = -EBUSY;
			goto out;
		}
		if (!w && !watches[i].ctx)
			w = &watches[i];
	}
	ret = -ENOSPC;
	if (!w)
		goto out;

	memset(&w->cons, 0, sizeof(w->cons));
	w->cons.token = ctx;
	w->cons.add_producer = probe_add_producer;
	w->cons.del_producer = probe_del_producer;
	w->slot = w - watches;
	w->ctx = ctx;
	ret = irq_bypass_register_consumer(&w->cons);
	if (ret) {
		w->ctx = NULL;
		goto out;
	}
	ctx = NULL;	/* the slot keeps the reference */
out:
	mutex_unlock(&watch_lock);
	if (ctx)
		eventfd_ctx_put(ctx);
	return ret;
}

static int probe_unwatch(int fd)
{
	struct eventfd_ctx *ctx;
	int i, ret = -ENOENT;

	ctx = eventfd_ctx_fdget(fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	mutex_lock(&watch_lock);
	for (i = 0; i < PROBE_SLOTS; i++) {
		if (watches[i].ctx == ctx) {
			probe_unwatch_slot(&watches[i]);
			ret = 0;
			break;
		}
	}
	mutex_unlock(&watch_lock);
	eventfd_ctx_put(ctx);
	return ret;
}

static void probe_clear(void)
{
	int i;

	mutex_lock(&watch_lock);
	for (i = 0; i < PROBE_SLOTS; i++)
		if (watches[i].ctx)
			probe_unwatch_slot(&watches[i]);
	mutex_unlock(&watch_lock);
}

static ssize_t probe_ctl_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char cmd[32], *s;
	int fd, ret;

	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = '\0';
	s = strim(cmd);

	if (sscanf(s, "watch %d", &fd) == 1) {
		ret = probe_watch(fd);
	} else if (sscanf(s, "unwatch %d", &fd) == 1) {
		ret = probe_unwatch(fd);
	} else if (!strcmp(s, "clear")) {
		probe_clear();
		ret = 0;
	} else if (!strcmp(s, "flush")) {
		mutex_lock(&log_lock);
		log_len = 0;
		log_buf[0] = '\0';
		mutex_unlock(&log_lock);
		ret = 0;
	} else {
		ret = -EINVAL;
	}
	return ret ? ret : count;
}

static ssize_t probe_ctl_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	size_t len;
	ssize_t ret;
	char *snap;

	/* Copied out under the lock, handed to user space without it. */
	snap = kmalloc(PROBE_LOG_SIZE, GFP_KERNEL);
	if (!snap)
		return -ENOMEM;
	mutex_lock(&log_lock);
	len = log_len;
	memcpy(snap, log_buf, len);
	mutex_unlock(&log_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, snap, len);
	kfree(snap);
	return ret;
}

static const struct file_operations probe_ctl_fops = {
	.owner	= THIS_MODULE,
	.read	= probe_ctl_read,
	.write	= probe_ctl_write,
	.llseek	= default_llseek,
};

static int __init probe_init(void)
{
	probe_dir = debugfs_create_dir("vdpa_rs_irqbypass", NULL);
	if (IS_ERR(probe_dir))
		return PTR_ERR(probe_dir);
	debugfs_create_file("ctl", 0600, probe_dir, NULL, &probe_ctl_fops);
	return 0;
}

static void __exit probe_exit(void)
{
	/* No write runs once the file is gone, so nothing is watched anew. */
	debugfs_remove_recursive(probe_dir);
	probe_clear();
}

module_init(probe_init);
module_exit(probe_exit);

MODULE_DESCRIPTION("irq-bypass consumer that logs the producers it meets, for the vDPA VM tests");
MODULE_AUTHOR("vdpa-rs developers");
MODULE_LICENSE("GPL");
