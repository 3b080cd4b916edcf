package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// version is what scripts/version.sh reads from kmod/scon.h, the version
// scripts/dkms.sh stamps into dkms.conf.
func version(t *testing.T, top string) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(top, "scripts/version.sh")).Output()
	if err != nil {
		t.Fatalf("scripts/version.sh: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// buildForTest packages the repository's own files (the module source
// staged by scripts/dkms.sh, configs/) with a stand-in sconctl binary, and
// returns the packages and their version.
func buildForTest(t *testing.T, arch string) (dkmsDeb, sconctlDeb, v string) {
	t.Helper()
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("dpkg-deb missing: these tests read the packages back with it")
	}
	top, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	v = version(t, top)
	tmp := t.TempDir()
	source := filepath.Join(tmp, "scon-"+v)
	if out, err := exec.Command(filepath.Join(top, "scripts/dkms.sh"), "stage", source).CombinedOutput(); err != nil {
		t.Fatalf("scripts/dkms.sh stage: %v\n%s", err, out)
	}
	sconctl := filepath.Join(tmp, "sconctl")
	if err := os.WriteFile(sconctl, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	paths, err := build(options{top: top, version: v, release: "1", arch: arch,
		dkmsSource: source, sconctl: sconctl, out: filepath.Join(tmp, "deb"), maintainer: "test <t@example.org>"})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 {
		t.Fatalf("packages %v, want 2", paths)
	}
	return paths[0], paths[1], v
}

func dpkgDeb(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("dpkg-deb", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg-deb %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func field(t *testing.T, deb, name string) string {
	return strings.TrimSpace(dpkgDeb(t, "-f", deb, name))
}

// controlFile: one file of the control archive (postinst, conffiles...).
func controlFile(t *testing.T, deb, name string) string {
	t.Helper()
	dir := t.TempDir()
	dpkgDeb(t, "-e", deb, dir)
	text, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(text)
}

func wantFields(t *testing.T, deb string, want map[string]string) {
	t.Helper()
	for name, value := range want {
		if got := field(t, deb, name); got != value {
			t.Errorf("%s: %s = %q, want %q", filepath.Base(deb), name, got, value)
		}
	}
}

func wantFiles(t *testing.T, deb string, paths ...string) {
	t.Helper()
	listing := dpkgDeb(t, "-c", deb)
	for _, p := range paths {
		if !strings.Contains(listing, " ."+p+"\n") {
			t.Errorf("%s lacks %s; it holds:\n%s", filepath.Base(deb), p, listing)
		}
	}
}

func TestDKMSPackage(t *testing.T) {
	deb, _, v := buildForTest(t, "amd64")
	if filepath.Base(deb) != "scon-dkms_"+v+"-1_all.deb" {
		t.Errorf("file name %s", filepath.Base(deb))
	}
	wantFields(t, deb, map[string]string{"Package": "scon-dkms", "Version": v + "-1",
		"Architecture": "all", "Depends": "dkms"})
	src := "/usr/src/scon-" + v + "/"
	wantFiles(t, deb, src+"dkms.conf", src+"Makefile", src+"Kbuild", src+"main.c",
		src+"scon.h", src+"compat.h", src+"uapi/scon.h", "/usr/share/doc/scon-dkms/copyright")

	postinst := controlFile(t, deb, "postinst")
	for _, want := range []string{"version=" + v + "\n", `dkms add -m scon -v "$version"`,
		`dkms build -m scon -v "$version" -k "$kver"`, `dkms install -m scon -v "$version" -k "$kver"`} {
		if !strings.Contains(postinst, want) {
			t.Errorf("postinst lacks %q:\n%s", want, postinst)
		}
	}
	if prerm := controlFile(t, deb, "prerm"); !strings.Contains(prerm, `dkms remove -m scon -v "$version" --all`) {
		t.Errorf("prerm does not remove scon from DKMS:\n%s", prerm)
	}
}

func TestSconctlPackage(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		_, deb, v := buildForTest(t, arch)
		if filepath.Base(deb) != "sconctl_"+v+"-1_"+arch+".deb" {
			t.Errorf("file name %s", filepath.Base(deb))
		}
		wantFields(t, deb, map[string]string{"Package": "sconctl", "Version": v + "-1",
			"Architecture": arch, "Recommends": "scon-dkms (= " + v + "-1)"})
		wantFiles(t, deb, "/usr/bin/sconctl", "/etc/scon/scon.yaml",
			"/usr/lib/modules-load.d/scon.conf", "/lib/systemd/system/scon.service")
		if conffiles := controlFile(t, deb, "conffiles"); conffiles != "/etc/scon/scon.yaml\n" {
			t.Errorf("conffiles %q, want /etc/scon/scon.yaml alone", conffiles)
		}
	}
}

// No placeholder may reach a device: DKMS would refuse the version.
func TestVersionFilledIn(t *testing.T) {
	dkmsDeb, sconctlDeb, v := buildForTest(t, "amd64")
	conf := dpkgDebFile(t, dkmsDeb, "./usr/src/scon-"+v+"/dkms.conf")
	if !strings.Contains(conf, `PACKAGE_VERSION="`+v+`"`) {
		t.Errorf("dkms.conf without the version:\n%s", conf)
	}
	for _, deb := range []string{dkmsDeb, sconctlDeb} {
		for _, script := range []string{"postinst", "prerm"} {
			if text := controlFile(t, deb, script); strings.Contains(text, "@VERSION@") {
				t.Errorf("%s %s keeps the placeholder", filepath.Base(deb), script)
			}
		}
	}
}

func dpkgDebFile(t *testing.T, deb, path string) string {
	t.Helper()
	dir := t.TempDir()
	dpkgDeb(t, "-x", deb, dir)
	text, err := os.ReadFile(filepath.Join(dir, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(text)
}

func TestRefusesWhatItCannotPackage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-dkms-source", "x", "-sconctl", "y"}, "-version is required"},
		{[]string{"-version", "1.0.0", "-arch", "armhf", "-dkms-source", "x", "-sconctl", "y"}, "only amd64 and arm64"},
		{[]string{"-version", "1.0.0"}, "-dkms-source and -sconctl are required"},
	} {
		var stderr strings.Builder
		_, err := parseFlags(tc.args, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("pkg %v: error %v, want %q", tc.args, err, tc.want)
		}
	}
	_, err := build(options{version: "1.0.0", arch: "amd64", dkmsSource: t.TempDir(), sconctl: "/nonexistent", out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "module source (scripts/dkms.sh stage DIR) missing") {
		t.Errorf("build without dkms.conf: %v", err)
	}
}
