// Command vcsim runs VMware's vCenter simulator (govmomi's simulator package, as Debian ships
// it) for the vsphere driver's tests. Debian packages the library but not a command, so this
// small main builds one. Two additions over the stock simulator, both for what the tests must
// exercise:
//
//   - -templates N marks the first N virtual machines (by name) as templates, so the driver has
//     images to clone from;
//   - templates keep their own disks when cloned (see cloneSafeVM);
//   - RetrievePropertiesEx honours options.maxObjects and hands out a token that
//     ContinueRetrievePropertiesEx and CancelRetrievePropertiesEx accept, as vCenter does. The
//     simulator of this govmomi release returns every object at once, which would leave the
//     driver's paging loop untested.
//
// On start it prints one JSON line to stdout: {"url": "...", "pid": N}. SIGTERM stops it.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"sync"
	"syscall"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// pagedCollector wraps the simulator's property collector with vCenter's result paging.
//
// The simulator makes one collector per session by reflection on the registered type, so the
// wrapper embeds the collector by value and starts its own maps lazily.
type pagedCollector struct {
	simulator.PropertyCollector

	mu      sync.Mutex
	next    int
	pending map[string][]types.ObjectContent
	// pageSize remembers each token's maxObjects for the pages that follow.
	pageSize map[string]int
}

func (pc *pagedCollector) page(objects []types.ObjectContent, max int) *types.RetrieveResult {
	if max <= 0 || len(objects) <= max {
		return &types.RetrieveResult{Objects: objects}
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.pending == nil {
		pc.pending = map[string][]types.ObjectContent{}
		pc.pageSize = map[string]int{}
	}
	pc.next++
	token := "page-" + strconv.Itoa(pc.next)
	pc.pending[token] = objects[max:]
	pc.pageSize[token] = max
	return &types.RetrieveResult{Objects: objects[:max], Token: token}
}

func (pc *pagedCollector) RetrievePropertiesEx(ctx *simulator.Context, r *types.RetrievePropertiesEx) soap.HasFault {
	res := pc.PropertyCollector.RetrievePropertiesEx(ctx, r)
	body, ok := res.(*methods.RetrievePropertiesExBody)
	if !ok || body.Fault_ != nil || body.Res == nil || body.Res.Returnval == nil {
		return res
	}
	body.Res.Returnval = pc.page(body.Res.Returnval.Objects, int(r.Options.MaxObjects))
	return body
}

func (pc *pagedCollector) ContinueRetrievePropertiesEx(ctx *simulator.Context, r *types.ContinueRetrievePropertiesEx) soap.HasFault {
	body := &methods.ContinueRetrievePropertiesExBody{}
	pc.mu.Lock()
	objects, ok := pc.pending[r.Token]
	max := pc.pageSize[r.Token]
	delete(pc.pending, r.Token)
	delete(pc.pageSize, r.Token)
	pc.mu.Unlock()
	if !ok {
		body.Fault_ = simulator.Fault("unknown or expired token "+r.Token, &types.InvalidArgument{InvalidProperty: "token"})
		return body
	}
	result := pc.page(objects, max)
	log.Printf("ContinueRetrievePropertiesEx %s: %d objects, next token %q", r.Token, len(result.Objects), result.Token)
	body.Res = &types.ContinueRetrievePropertiesExResponse{Returnval: *result}
	return body
}

func (pc *pagedCollector) CancelRetrievePropertiesEx(ctx *simulator.Context, r *types.CancelRetrievePropertiesEx) soap.HasFault {
	pc.mu.Lock()
	delete(pc.pending, r.Token)
	delete(pc.pageSize, r.Token)
	pc.mu.Unlock()
	return &methods.CancelRetrievePropertiesExBody{Res: new(types.CancelRetrievePropertiesExResponse)}
}

// cloneSafeVM works around the simulator's clone, which edits the source VM's own disk
// devices (it clears their file names and hands the same objects to the clone), so a template
// cloned once points at its clone's disk files. The source gets copies of its disks while the
// clone is made, and its own back afterwards.
//
// Embedded by value: the simulator finds an object's managed type by reflection one level down.
type cloneSafeVM struct {
	simulator.VirtualMachine
}

func (vm *cloneSafeVM) CloneVMTask(ctx *simulator.Context, req *types.CloneVM_Task) soap.HasFault {
	own := vm.Config.Hardware.Device
	copies := make([]types.BaseVirtualDevice, len(own))
	for i, device := range own {
		copies[i] = device
		if disk, ok := device.(*types.VirtualDisk); ok {
			c := *disk
			if backing, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok {
				b := *backing
				c.Backing = &b
			}
			copies[i] = &c
		}
	}
	vm.Config.Hardware.Device = copies
	defer func() { vm.Config.Hardware.Device = own }()
	return vm.VirtualMachine.CloneVMTask(ctx, req)
}

// markTemplates powers off the first n virtual machines by name and marks them as templates.
func markTemplates(ctx context.Context, u *url.URL, n int) error {
	if n <= 0 {
		return nil
	}
	c, err := govmomi.NewClient(ctx, u, true)
	if err != nil {
		return err
	}
	defer func() { _ = c.Logout(ctx) }()
	v, err := view.NewManager(c.Client).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		return err
	}
	defer func() { _ = v.Destroy(ctx) }()
	var vms []mo.VirtualMachine
	if err := v.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name", "runtime.powerState"}, &vms); err != nil {
		return err
	}
	sort.Slice(vms, func(i, j int) bool { return vms[i].Name < vms[j].Name })
	if n > len(vms) {
		return fmt.Errorf("-templates %d: only %d virtual machines exist", n, len(vms))
	}
	for _, m := range vms[:n] {
		vm := object.NewVirtualMachine(c.Client, m.Self)
		if m.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOff {
			task, err := vm.PowerOff(ctx)
			if err != nil {
				return err
			}
			if err := task.Wait(ctx); err != nil {
				return err
			}
		}
		if err := vm.MarkAsTemplate(ctx); err != nil {
			return err
		}
		simulator.Map.Put(&cloneSafeVM{*simulator.Map.Get(m.Self).(*simulator.VirtualMachine)})
	}
	return nil
}

func main() {
	listen := flag.String("l", "127.0.0.1:0", "listen address (port 0 picks a free one)")
	useTLS := flag.Bool("tls", false, "serve https with a self-signed certificate")
	esx := flag.Bool("esx", false, "simulate a standalone ESXi host instead of vCenter")
	dc := flag.Int("dc", 1, "datacenters")
	cluster := flag.Int("cluster", 1, "clusters per datacenter")
	host := flag.Int("host", 1, "standalone hosts per datacenter")
	clusterHost := flag.Int("cluster-host", 2, "hosts per cluster")
	vm := flag.Int("vm", 2, "virtual machines per resource pool and per standalone host")
	templates := flag.Int("templates", 1, "virtual machines to mark as templates")
	user := flag.String("username", "user", "login user name")
	pass := flag.String("password", "pass", "login password")
	flag.Parse()

	model := simulator.VPX()
	if *esx {
		model = simulator.ESX()
	} else {
		model.Datacenter = *dc
		model.Cluster = *cluster
		model.Host = *host
		model.ClusterHost = *clusterHost
	}
	model.Machine = *vm
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	defer model.Remove()

	content := simulator.Map.Get(vim25ServiceInstance()).(*simulator.ServiceInstance).Content
	collector := &pagedCollector{}
	collector.Self = content.PropertyCollector
	simulator.Map.Put(collector)

	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*user, *pass)}
	if *useTLS {
		model.Service.TLS = new(tls.Config)
	}
	server := model.Service.NewServer()
	defer server.Close()

	if err := markTemplates(context.Background(), server.URL, *templates); err != nil {
		log.Fatal(err)
	}

	public := *server.URL
	public.User = nil
	line, _ := json.Marshal(map[string]interface{}{"url": public.String(), "pid": os.Getpid()})
	fmt.Println(string(line))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}

func vim25ServiceInstance() types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: "ServiceInstance", Value: "ServiceInstance"}
}
