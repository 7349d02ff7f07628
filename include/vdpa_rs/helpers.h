/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C glue for what bindgen cannot turn into Rust: static inline functions and
 * function-like macros of the kernel headers. Each helper is a plain
 * function with the "vdpa_rs_" prefix, defined in helpers.c, compiled into
 * every module that uses it and never exported.
 */
#ifndef _VDPA_RS_HELPERS_H
#define _VDPA_RS_HELPERS_H

#include <linux/types.h>

struct device;
struct vdpa_device;
struct vdpa_driver;
struct device_driver;

/* include/linux/vdpa.h */
struct vdpa_device *vdpa_rs_dev_to_vdpa(struct device *dev);
struct vdpa_driver *vdpa_rs_drv_to_vdpa(struct device_driver *drv);
void *vdpa_rs_get_drvdata(const struct vdpa_device *vdev);
void vdpa_rs_set_drvdata(struct vdpa_device *vdev, void *data);
struct device *vdpa_rs_get_dma_dev(struct vdpa_device *vdev);
int vdpa_rs_reset(struct vdpa_device *vdev, u32 flags);
int vdpa_rs_set_features(struct vdpa_device *vdev, u64 features);

/* include/linux/device.h, include/linux/idr.h, include/linux/rwsem.h, slab */
struct rw_semaphore;
struct ida;
struct sk_buff;
struct genl_info;
struct netlink_callback;
void vdpa_rs_get_device(struct device *dev);
const char *vdpa_rs_dev_name(const struct device *dev);
int vdpa_rs_device_match_driver_override(struct device *dev,
					 const struct device_driver *drv);
void vdpa_rs_rwsem_assert_held_write(struct rw_semaphore *sem);
void vdpa_rs_ida_init(struct ida *ida);
void *vdpa_rs_kzalloc(size_t size);
int vdpa_rs_dma_set_mask_and_coherent(struct device *dev, u64 mask);

/* include/linux/sched.h, include/linux/sched/mm.h */
struct task_struct;
struct mm_struct;
struct task_struct *vdpa_rs_current(void);
void vdpa_rs_mmgrab(struct mm_struct *mm);
void vdpa_rs_mmdrop(struct mm_struct *mm);

/* include/linux/device.h: driver data */
void *vdpa_rs_dev_get_drvdata(const struct device *dev);
void vdpa_rs_dev_set_drvdata(struct device *dev, void *data);

/* include/linux/spinlock.h */
struct lock_class_key;
typedef struct spinlock spinlock_t;
void vdpa_rs_spin_lock_init(spinlock_t *lock, const char *name,
			    struct lock_class_key *key);
unsigned long vdpa_rs_spin_lock_irqsave(spinlock_t *lock);
void vdpa_rs_spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags);

/* include/linux/auxiliary_bus.h */
struct auxiliary_device;
void vdpa_rs_auxiliary_device_delete(struct auxiliary_device *auxdev);
void vdpa_rs_auxiliary_device_uninit(struct auxiliary_device *auxdev);

/* include/linux/workqueue.h */
struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);
void vdpa_rs_init_work(struct work_struct *work, work_func_t func);
bool vdpa_rs_queue_work(struct work_struct *work);

/* include/linux/list.h */
struct list_head;
void vdpa_rs_init_list_head(struct list_head *list);
void vdpa_rs_list_add_tail(struct list_head *entry, struct list_head *head);
void vdpa_rs_list_del(struct list_head *entry);

/* include/net/netlink.h, include/net/genetlink.h */
struct sk_buff *vdpa_rs_genlmsg_new(void);
void vdpa_rs_nlmsg_free(struct sk_buff *skb);
void vdpa_rs_genlmsg_end(struct sk_buff *skb, void *hdr);
void vdpa_rs_genlmsg_cancel(struct sk_buff *skb, void *hdr);
int vdpa_rs_genlmsg_reply(struct sk_buff *skb, struct genl_info *info);
u32 vdpa_rs_skb_len(const struct sk_buff *skb);
u32 vdpa_rs_netlink_cb_portid(const struct netlink_callback *cb);
bool vdpa_rs_netlink_net_admin(const struct sk_buff *skb);

/* Guest memory of software parents: include/linux/highmem.h, sched/mm.h, kthread.h */
int vdpa_rs_phys_copy(u64 pa, void *buf, size_t len, bool to_phys);
bool vdpa_rs_mmget_not_zero(struct mm_struct *mm);
void vdpa_rs_mmput(struct mm_struct *mm);
void vdpa_rs_kthread_use_mm(struct mm_struct *mm);
void vdpa_rs_kthread_unuse_mm(struct mm_struct *mm);
void vdpa_rs_local_bh_disable(void);
void vdpa_rs_local_bh_enable(void);
int vdpa_rs_user_read_u16(u64 va, u16 *val);
int vdpa_rs_user_write_u16(u64 va, u16 val);
int vdpa_rs_phys_access_u16(u64 pa, u16 *val, bool write);

/* The vhost-vdpa char device: linux/cdev.h, eventfd.h, poll.h, mm.h */
#include <linux/poll.h>
#include <linux/wait.h>

struct cdev;
struct file;
struct file_operations;
struct eventfd_ctx;
struct page;

/*
 * Watches an eventfd for kicks: ->kick runs in the eventfd's wakeup, with
 * its wait-queue lock held.
 */
struct vdpa_rs_kick {
	struct poll_table_struct pt;
	wait_queue_entry_t wait;
	wait_queue_head_t *wqh;
	void (*kick)(struct vdpa_rs_kick *k);
};

/*
 * The kernel crate knows struct cdev only by name: a node keeps room for
 * one, of the size and alignment the C compiler gives it.
 */
#include <linux/cdev.h>
enum {
	VDPA_RS_CDEV_SIZE = sizeof(struct cdev),
	VDPA_RS_CDEV_ALIGN = __alignof__(struct cdev),
};

/* Rust keeps room for a kick; the kernel crate does not know poll_table. */
enum {
	VDPA_RS_KICK_SIZE = sizeof(struct vdpa_rs_kick),
	VDPA_RS_KICK_ALIGN = __alignof__(struct vdpa_rs_kick),
};

int vdpa_rs_node_init(struct device *dev, struct cdev *cdev,
		      struct device *parent, dev_t devt,
		      const struct file_operations *fops,
		      void (*release)(struct device *dev), unsigned int minor);
void vdpa_rs_kick_init(struct vdpa_rs_kick *k,
		       void (*kick)(struct vdpa_rs_kick *k));
int vdpa_rs_kick_start(struct vdpa_rs_kick *k, struct file *file);
void vdpa_rs_kick_stop(struct vdpa_rs_kick *k);
void vdpa_rs_mmap_read_lock(struct mm_struct *mm);
void vdpa_rs_mmap_read_unlock(struct mm_struct *mm);
long vdpa_rs_pin_user_pages_fast(u64 start, unsigned int npages, bool write,
				 struct page **pages);
u64 vdpa_rs_page_to_pfn(struct page *page);
void vdpa_rs_unpin_pfns(u64 pfn, u64 npages, bool dirty);
s64 vdpa_rs_pinned_vm(struct mm_struct *mm);
void vdpa_rs_pinned_vm_add(struct mm_struct *mm, s64 pages);
u64 vdpa_rs_rlimit_memlock(void);
struct mm_struct *vdpa_rs_current_mm(void);
bool vdpa_rs_find_vma(struct mm_struct *mm, u64 addr, u64 *start, u64 *end,
		      u64 *pgoff, struct file **file);
struct iov_iter;
struct vm_area_struct;
struct vm_fault;
struct vm_operations_struct;
void vdpa_rs_vma_request(struct vm_area_struct *vma, u64 *len, u64 *pgoff,
			 bool *shared, bool *readable);
void vdpa_rs_vma_doorbell(struct vm_area_struct *vma,
			  const struct vm_operations_struct *ops);
struct file *vdpa_rs_fault_file(struct vm_fault *vmf, u64 *pgoff);
unsigned int vdpa_rs_fault_insert(struct vm_fault *vmf, bool ok, u64 pfn);
size_t vdpa_rs_copy_from_iter(void *buf, size_t len, struct iov_iter *from);
struct file *vdpa_rs_get_file(struct file *file);

#endif /* _VDPA_RS_HELPERS_H */
