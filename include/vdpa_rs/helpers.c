// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line copies of the kernel's static inline helpers, so Rust can call
 * them. Prototypes in helpers.h.
 */
#include <linux/auxiliary_bus.h>
#include <linux/device.h>
#include <linux/vdpa.h>
#include <linux/dma-mapping.h>
#include <linux/idr.h>
#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/bottom_half.h>
#include <linux/uaccess.h>
#include <linux/cdev.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/uio.h>
#include <linux/sched/signal.h>
#include <net/genetlink.h>
#include <vdpa_rs/helpers.h>

struct vdpa_device *vdpa_rs_dev_to_vdpa(struct device *dev)
{
	return dev_to_vdpa(dev);
}

struct vdpa_driver *vdpa_rs_drv_to_vdpa(struct device_driver *drv)
{
	return drv_to_vdpa(drv);
}

void *vdpa_rs_get_drvdata(const struct vdpa_device *vdev)
{
	return vdpa_get_drvdata(vdev);
}

void vdpa_rs_set_drvdata(struct vdpa_device *vdev, void *data)
{
	vdpa_set_drvdata(vdev, data);
}

struct device *vdpa_rs_get_dma_dev(struct vdpa_device *vdev)
{
	return vdpa_get_dma_dev(vdev);
}

int vdpa_rs_reset(struct vdpa_device *vdev, u32 flags)
{
	return vdpa_reset(vdev, flags);
}

int vdpa_rs_set_features(struct vdpa_device *vdev, u64 features)
{
	return vdpa_set_features(vdev, features);
}

void vdpa_rs_get_device(struct device *dev)
{
	get_device(dev);
}

const char *vdpa_rs_dev_name(const struct device *dev)
{
	return dev_name(dev);
}

int vdpa_rs_device_match_driver_override(struct device *dev,
					 const struct device_driver *drv)
{
	return device_match_driver_override(dev, drv);
}

void vdpa_rs_rwsem_assert_held_write(struct rw_semaphore *sem)
{
	lockdep_assert_held_write(sem);
}

void vdpa_rs_ida_init(struct ida *ida)
{
	ida_init(ida);
}

void *vdpa_rs_kzalloc(size_t size)
{
	return kzalloc(size, GFP_KERNEL);
}

struct sk_buff *vdpa_rs_genlmsg_new(void)
{
	return nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
}

void vdpa_rs_nlmsg_free(struct sk_buff *skb)
{
	nlmsg_free(skb);
}

void vdpa_rs_genlmsg_end(struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
}

void vdpa_rs_genlmsg_cancel(struct sk_buff *skb, void *hdr)
{
	genlmsg_cancel(skb, hdr);
}

int vdpa_rs_genlmsg_reply(struct sk_buff *skb, struct genl_info *info)
{
	return genlmsg_reply(skb, info);
}

u32 vdpa_rs_skb_len(const struct sk_buff *skb)
{
	return skb->len;
}

u32 vdpa_rs_netlink_cb_portid(const struct netlink_callback *cb)
{
	return NETLINK_CB(cb->skb).portid;
}

bool vdpa_rs_netlink_net_admin(const struct sk_buff *skb)
{
	return netlink_capable(skb, CAP_NET_ADMIN);
}

int vdpa_rs_dma_set_mask_and_coherent(struct device *dev, u64 mask)
{
	return dma_set_mask_and_coherent(dev, mask);
}

void vdpa_rs_init_list_head(struct list_head *list)
{
	INIT_LIST_HEAD(list);
}

void vdpa_rs_list_add_tail(struct list_head *entry, struct list_head *head)
{
	list_add_tail(entry, head);
}

void vdpa_rs_list_del(struct list_head *entry)
{
	list_del(entry);
}

struct task_struct *vdpa_rs_current(void)
{
	return current;
}

void vdpa_rs_mmgrab(struct mm_struct *mm)
{
	mmgrab(mm);
}

void vdpa_rs_mmdrop(struct mm_struct *mm)
{
	mmdrop(mm);
}

void *vdpa_rs_dev_get_drvdata(const struct device *dev)
{
	return dev_get_drvdata(dev);
}

void vdpa_rs_dev_set_drvdata(struct device *dev, void *data)
{
	dev_set_drvdata(dev, data);
}

void vdpa_rs_spin_lock_init(spinlock_t *lock, const char *name,
			    struct lock_class_key *key)
{
#ifdef CONFIG_DEBUG_SPINLOCK
	__raw_spin_lock_init(spinlock_check(lock), name, key, LD_WAIT_CONFIG);
#else
	spin_lock_init(lock);
#endif
}

unsigned long vdpa_rs_spin_lock_irqsave(spinlock_t *lock)
{
	unsigned long flags;

	spin_lock_irqsave(lock, flags);
	return flags;
}

void vdpa_rs_spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
	spin_unlock_irqrestore(lock, flags);
}

void vdpa_rs_auxiliary_device_delete(struct auxiliary_device *auxdev)
{
	auxiliary_device_delete(auxdev);
}

void vdpa_rs_auxiliary_device_uninit(struct auxiliary_device *auxdev)
{
	auxiliary_device_uninit(auxdev);
}

void vdpa_rs_init_work(struct work_struct *work, work_func_t func)
{
	INIT_WORK(work, func);
}

/*
 * Device work goes to the unbound workqueue: a kick arrives on the CPU of
 * the process that kicked, and a bound work item would run there too,
 * taking turns with that process instead of running beside it.
 */
bool vdpa_rs_queue_work(struct work_struct *work)
{
	return queue_work(system_unbound_wq, work);
}

/*
 * Guest memory for software parents. The copies go page by page through
 * kmap_local_page() and refuse a frame without a struct page, so a bad
 * physical address ends the access with -EFAULT instead of an oops.
 */
int vdpa_rs_phys_copy(u64 pa, void *buf, size_t len, bool to_phys)
{
	while (len) {
		unsigned long pfn = pa >> PAGE_SHIFT;
		size_t off = offset_in_page(pa);
		size_t n = min_t(size_t, len, PAGE_SIZE - off);
		void *va;

		if (!pfn_valid(pfn))
			return -EFAULT;
		va = kmap_local_page(pfn_to_page(pfn));
		if (to_phys)
			memcpy(va + off, buf, n);
		else
			memcpy(buf, va + off, n);
		kunmap_local(va);
		pa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

bool vdpa_rs_mmget_not_zero(struct mm_struct *mm)
{
	return mmget_not_zero(mm);
}

void vdpa_rs_local_bh_disable(void)
{
	local_bh_disable();
}

void vdpa_rs_local_bh_enable(void)
{
	local_bh_enable();
}

void vdpa_rs_mmput(struct mm_struct *mm)
{
	mmput(mm);
}

void vdpa_rs_kthread_use_mm(struct mm_struct *mm)
{
	kthread_use_mm(mm);
}

void vdpa_rs_kthread_unuse_mm(struct mm_struct *mm)
{
	kthread_unuse_mm(mm);
}

/*
 * One 16-bit access, for ring indices that the driver updates at the same
 * time: copy_{from,to}_user and memcpy may move them a byte at a time.
 * The address must be 2-byte aligned (virtio rings are).
 */
int vdpa_rs_user_read_u16(u64 va, u16 *val)
{
	return get_user(*val, (u16 __user *)(uintptr_t)va) ? -EFAULT : 0;
}

int vdpa_rs_user_write_u16(u64 va, u16 val)
{
	return put_user(val, (u16 __user *)(uintptr_t)va) ? -EFAULT : 0;
}

int vdpa_rs_phys_access_u16(u64 pa, u16 *val, bool write)
{
	unsigned long pfn = pa >> PAGE_SHIFT;
	u16 *p;

	if (!pfn_valid(pfn) || (pa & 1))
		return -EFAULT;
	p = kmap_local_page(pfn_to_page(pfn)) + offset_in_page(pa);
	if (write)
		WRITE_ONCE(*p, *val);
	else
		*val = READ_ONCE(*p);
	kunmap_local(p);
	return 0;
}

/*
 * The vhost-vdpa char device: a node device with its cdev, eventfd kick
 * polling, user page pinning and the owner's VMAs.
 */
int vdpa_rs_node_init(struct device *dev, struct cdev *cdev,
		      struct device *parent, dev_t devt,
		      const struct file_operations *fops,
		      void (*release)(struct device *dev), unsigned int minor)
{
	memset(dev, 0, sizeof(*dev));
	device_initialize(dev);
	dev->parent = parent;
	dev->devt = devt;
	dev->release = release;
	cdev_init(cdev, fops);
	cdev->owner = fops->owner;
	return dev_set_name(dev, "vhost-vdpa-%u", minor);
}

static void vdpa_rs_kick_queue(struct file *file, wait_queue_head_t *wqh,
			       poll_table *pt)
{
	struct vdpa_rs_kick *k = container_of(pt, struct vdpa_rs_kick, pt);

	k->wqh = wqh;
	add_wait_queue(wqh, &k->wait);
}

static int vdpa_rs_kick_wake(wait_queue_entry_t *wait, unsigned int mode,
			     int sync, void *key)
{
	struct vdpa_rs_kick *k = container_of(wait, struct vdpa_rs_kick, wait);

	if (key_to_poll(key) & EPOLLIN)
		k->kick(k);
	return 0;
}

void vdpa_rs_kick_init(struct vdpa_rs_kick *k,
		       void (*kick)(struct vdpa_rs_kick *k))
{
	init_waitqueue_func_entry(&k->wait, vdpa_rs_kick_wake);
	init_poll_funcptr(&k->pt, vdpa_rs_kick_queue);
	k->wqh = NULL;
	k->kick = kick;
}

/*
 * Starts watching @file (a reference the caller keeps until after
 * vdpa_rs_kick_stop()). A count already in the eventfd kicks at once, as a
 * write would. Returns -EINVAL, watching nothing, if the file reports an
 * error.
 */
int vdpa_rs_kick_start(struct vdpa_rs_kick *k, struct file *file)
{
	__poll_t mask = vfs_poll(file, &k->pt);

	if (mask & EPOLLIN)
		k->kick(k);
	if (mask & EPOLLERR) {
		vdpa_rs_kick_stop(k);
		return -EINVAL;
	}
	return 0;
}

/* Once this returns, no wakeup of the kick is running or will run. */
void vdpa_rs_kick_stop(struct vdpa_rs_kick *k)
{
	if (k->wqh) {
		remove_wait_queue(k->wqh, &k->wait);
		k->wqh = NULL;
	}
}

void vdpa_rs_mmap_read_lock(struct mm_struct *mm)
{
	mmap_read_lock(mm);
}

void vdpa_rs_mmap_read_unlock(struct mm_struct *mm)
{
	mmap_read_unlock(mm);
}

/*
 * Pins without the caller holding the mmap lock: the lockless page-table
 * walk first, the locked slow path only for what it cannot pin.
 */
long vdpa_rs_pin_user_pages_fast(u64 start, unsigned int npages, bool write,
				 struct page **pages)
{
	return pin_user_pages_fast(start, npages,
				   FOLL_LONGTERM | (write ? FOLL_WRITE : 0),
				   pages);
}

u64 vdpa_rs_page_to_pfn(struct page *page)
{
	return page_to_pfn(page);
}

/*
 * Unpins @npages pages from @pfn, marking them dirty first if @dirty: one
 * folio at a time, so a large folio costs one reference drop and one
 * page lock rather than one per page.
 */
void vdpa_rs_unpin_pfns(u64 pfn, u64 npages, bool dirty)
{
	unpin_user_page_range_dirty_lock(pfn_to_page(pfn), npages, dirty);
}

s64 vdpa_rs_pinned_vm(struct mm_struct *mm)
{
	return atomic64_read(&mm->pinned_vm);
}

void vdpa_rs_pinned_vm_add(struct mm_struct *mm, s64 pages)
{
	atomic64_add(pages, &mm->pinned_vm);
}

u64 vdpa_rs_rlimit_memlock(void)
{
	return rlimit(RLIMIT_MEMLOCK);
}

struct mm_struct *vdpa_rs_current_mm(void)
{
	return current->mm;
}

/*
 * The VMA at or above @addr, under the mmap lock the caller holds. @file is
 * set, without a reference, only for a shared file mapping that is neither
 * VM_IO nor VM_PFNMAP. Returns false if there is no VMA.
 */
bool vdpa_rs_find_vma(struct mm_struct *mm, u64 addr, u64 *start, u64 *end,
		      u64 *pgoff, struct file **file)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	if (!vma)
		return false;
	*start = vma->vm_start;
	*end = vma->vm_end;
	*pgoff = vma->vm_pgoff;
	*file = (vma->vm_file && (vma->vm_flags & VM_SHARED) &&
		 !(vma->vm_flags & (VM_IO | VM_PFNMAP))) ? vma->vm_file : NULL;
	return true;
}

/*
 * Copies up to @len bytes of a write(2) or writev(2) into @buf; returns how
 * many were copied (fewer at a fault or at the end of the data).
 */
size_t vdpa_rs_copy_from_iter(void *buf, size_t len, struct iov_iter *from)
{
	return copy_from_iter(buf, min(len, iov_iter_count(from)), from);
}

/* What a doorbell mmap() asks for. */
void vdpa_rs_vma_request(struct vm_area_struct *vma, u64 *len, u64 *pgoff,
			 bool *shared, bool *readable)
{
	*len = vma->vm_end - vma->vm_start;
	*pgoff = vma->vm_pgoff;
	*shared = vma->vm_flags & VM_SHARED;
	*readable = vma->vm_flags & VM_READ;
}

/* Makes @vma an uncached PFN mapping whose page @ops->fault inserts. */
void vdpa_rs_vma_doorbell(struct vm_area_struct *vma,
			  const struct vm_operations_struct *ops)
{
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = ops;
}

/* The file and page offset of a doorbell fault. */
struct file *vdpa_rs_fault_file(struct vm_fault *vmf, u64 *pgoff)
{
	*pgoff = vmf->vma->vm_pgoff;
	return vmf->vma->vm_file;
}

/* Inserts the doorbell page @pfn, or SIGBUS for no doorbell (!@ok). */
vm_fault_t vdpa_rs_fault_insert(struct vm_fault *vmf, bool ok, u64 pfn)
{
	if (!ok)
		return VM_FAULT_SIGBUS;
	return vmf_insert_pfn(vmf->vma, vmf->address & PAGE_MASK, pfn);
}

struct file *vdpa_rs_get_file(struct file *file)
{
	return get_file(file);
}
