// Command pkg builds scon's Debian packages with nfpm (make deb runs it):
//
//   - scon-dkms: the module's source in /usr/src/scon-VERSION with its
//     dkms.conf, as scripts/dkms.sh stage lays it out; its postinst has
//     DKMS build and install it for the running kernel, its prerm removes
//     it from DKMS. Architecture all: DKMS compiles it on the device.
//   - sconctl: the CLI, /etc/scon/scon.yaml (a conffile), the boot units
//     of configs/ (modules-load.d/scon.conf and scon.service).
//
// Usage:
//
//	pkg -top DIR -version V -arch amd64|arm64 -dkms-source DIR -sconctl FILE -out DIR
//
// It is a Go module of its own so that nfpm and what it pulls in stay out
// of sconctl's dependencies.
package main

import (
	"embed"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
	"github.com/goreleaser/nfpm/v2/files"
)

//go:embed debian
var maintainerScripts embed.FS

// options are the command line: where the inputs are and what to make.
type options struct {
	top        string // repository root: configs/, LICENSE
	version    string // SCON_VERSION
	release    string // Debian revision
	arch       string // GOARCH of sconctl: amd64 or arm64
	dkmsSource string // staged module source (scripts/dkms.sh stage)
	sconctl    string // sconctl built for arch
	out        string // where the .deb files go
	maintainer string
}

func main() {
	opts, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		os.Exit(2)
	}
	paths, err := build(opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pkg: %v\n", err)
		os.Exit(1)
	}
	for _, p := range paths {
		fmt.Println(p)
	}
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("pkg", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.top, "top", ".", "repository root")
	fs.StringVar(&o.version, "version", "", "package version (scripts/version.sh)")
	fs.StringVar(&o.release, "release", "1", "Debian revision")
	fs.StringVar(&o.arch, "arch", "amd64", "architecture of sconctl: amd64 or arm64")
	fs.StringVar(&o.dkmsSource, "dkms-source", "", "module source laid out by scripts/dkms.sh stage")
	fs.StringVar(&o.sconctl, "sconctl", "", "sconctl binary built for -arch")
	fs.StringVar(&o.out, "out", "out/deb", "output directory")
	fs.StringVar(&o.maintainer, "maintainer",
		"scon maintainers <maintainers@users.noreply.r-seed-316c17d0.example>", "Maintainer field")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	return o, o.check()
}

func (o options) check() error {
	switch {
	case o.version == "":
		return fmt.Errorf("-version is required (scripts/version.sh prints it)")
	case o.arch != "amd64" && o.arch != "arm64":
		return fmt.Errorf("-arch %q: only amd64 and arm64 are packaged", o.arch)
	case o.dkmsSource == "" || o.sconctl == "":
		return fmt.Errorf("-dkms-source and -sconctl are required (make deb gives them)")
	}
	return nil
}

// build writes both packages and returns their paths.
func build(o options) ([]string, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	scripts, err := os.MkdirTemp("", "scon-pkg-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(scripts)

	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, describe := range []func(options, string) (*nfpm.Info, error){dkmsPackage, sconctlPackage} {
		info, err := describe(o, scripts)
		if err != nil {
			return nil, err
		}
		path, err := writeDeb(info, o.out)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", info.Name, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

func dkmsPackage(o options, scripts string) (*nfpm.Info, error) {
	conf := filepath.Join(o.dkmsSource, "dkms.conf")
	if err := checkFile(conf, "module source (scripts/dkms.sh stage DIR)"); err != nil {
		return nil, err
	}
	info := baseInfo(o, "scon-dkms", "all")
	info.Section = "kernel"
	info.Description = "scon express path for container networking: kernel module source for DKMS\n" +
		"DKMS builds scon.ko for the running kernel on installation and for\n" +
		"every kernel installed later."
	info.Depends = []string{"dkms"}
	info.Contents = append(info.Contents, &files.Content{
		Source:      o.dkmsSource,
		Destination: "/usr/src/scon-" + o.version,
		Type:        files.TypeTree,
	})
	var err error
	info.Scripts.PostInstall, err = renderScript(o, scripts, "scon-dkms.postinst")
	if err != nil {
		return nil, err
	}
	info.Scripts.PreRemove, err = renderScript(o, scripts, "scon-dkms.prerm")
	return info, err
}

func sconctlPackage(o options, scripts string) (*nfpm.Info, error) {
	if err := checkFile(o.sconctl, "sconctl binary"); err != nil {
		return nil, err
	}
	info := baseInfo(o, "sconctl", o.arch)
	info.Section = "net"
	info.Description = "scon express path for container networking: sconctl and boot units\n" +
		"sconctl configures and inspects the scon kernel module; scon.service\n" +
		"applies /etc/scon/scon.yaml at boot, before Docker starts."
	info.Recommends = []string{"scon-dkms (= " + o.version + "-" + o.release + ")"}
	configs := filepath.Join(o.top, "configs")
	info.Contents = append(info.Contents,
		&files.Content{Source: o.sconctl, Destination: "/usr/bin/sconctl",
			FileInfo: &files.ContentFileInfo{Mode: 0o755}},
		&files.Content{Source: filepath.Join(configs, "scon.yaml"), Destination: "/etc/scon/scon.yaml",
			Type: files.TypeConfig, FileInfo: &files.ContentFileInfo{Mode: 0o644}},
		&files.Content{Source: filepath.Join(configs, "modules-load.d", "scon.conf"),
			Destination: "/usr/lib/modules-load.d/scon.conf", FileInfo: &files.ContentFileInfo{Mode: 0o644}},
		&files.Content{Source: filepath.Join(configs, "scon.service"),
			Destination: "/lib/systemd/system/scon.service", FileInfo: &files.ContentFileInfo{Mode: 0o644}},
	)
	var err error
	if info.Scripts.PostInstall, err = renderScript(o, scripts, "sconctl.postinst"); err != nil {
		return nil, err
	}
	if info.Scripts.PreRemove, err = renderScript(o, scripts, "sconctl.prerm"); err != nil {
		return nil, err
	}
	info.Scripts.PostRemove, err = renderScript(o, scripts, "sconctl.postrm")
	return info, err
}

// baseInfo: what both packages share, the licence included.
func baseInfo(o options, name, arch string) *nfpm.Info {
	return &nfpm.Info{
		Name:       name,
		Arch:       arch,
		Platform:   "linux",
		Version:    o.version,
		Release:    o.release,
		Priority:   "optional",
		Maintainer: o.maintainer,
		License:    "GPL-2.0",
		Overridables: nfpm.Overridables{
			Contents: files.Contents{{
				Source:      filepath.Join(o.top, "LICENSE"),
				Destination: "/usr/share/doc/" + name + "/copyright",
				FileInfo:    &files.ContentFileInfo{Mode: 0o644},
			}},
		},
	}
}

// renderScript writes debian/NAME with @VERSION@ filled in into dir and
// returns its path.
func renderScript(o options, dir, name string) (string, error) {
	text, err := maintainerScripts.ReadFile("debian/" + name)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	rendered := strings.ReplaceAll(string(text), "@VERSION@", o.version)
	return path, os.WriteFile(path, []byte(rendered), 0o755)
}

func checkFile(path, what string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("%s missing: %w", what, err)
	}
	return nil
}

// writeDeb packages info into dir under Debian's file name.
func writeDeb(info *nfpm.Info, dir string) (string, error) {
	packager, err := nfpm.Get("deb")
	if err != nil {
		return "", err
	}
	info = nfpm.WithDefaults(info)
	if err := nfpm.PrepareForPackager(info, "deb"); err != nil {
		return "", err
	}
	path := filepath.Join(dir, packager.ConventionalFileName(info))
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if err := packager.Package(info, f); err != nil {
		f.Close()
		os.Remove(path)
		return "", err
	}
	return path, f.Close()
}
