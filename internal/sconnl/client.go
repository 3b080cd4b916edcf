package sconnl

import (
	"errors"
	"fmt"
	"os"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
)

// Client is a generic netlink connection to the scon module. Its methods
// are safe for concurrent use.
type Client struct {
	conn   *genetlink.Conn
	family genetlink.Family
}

// Dial opens a generic netlink socket and resolves the scon family. It
// returns ErrNotLoaded when the module is not loaded.
func Dial() (*Client, error) {
	conn, err := genetlink.Dial(nil)
	if err != nil {
		return nil, fmt.Errorf("open generic netlink socket: %w", err)
	}
	// Without this option the kernel leaves out the extended-ack message
	// saying why it refused a request. Kernels older than 4.12 do not know
	// the option; they work the same, only without messages.
	_ = conn.SetOption(netlink.ExtendedAcknowledge, true)

	c, err := newClient(conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// newClient resolves the scon family on conn; tests pass a fake conn.
func newClient(conn *genetlink.Conn) (*Client, error) {
	family, err := conn.GetFamily(GenlName)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotLoaded
	}
	if err != nil {
		return nil, requestError("resolve generic netlink family "+GenlName, err)
	}
	return &Client{conn: conn, family: family}, nil
}

// Close closes the netlink socket.
func (c *Client) Close() error {
	return c.conn.Close()
}

// Status returns the module's configuration, attached devices and
// counters.
func (c *Client) Status() (Status, error) {
	const op = "get status"
	msgs, err := c.execute(op, CmdGetStatus, nil, netlink.Request)
	if err != nil {
		return Status{}, err
	}
	if len(msgs) != 1 {
		return Status{}, fmt.Errorf("%s: %d reply messages, want 1", op, len(msgs))
	}
	st, err := decodeStatus(msgs[0].Data)
	if err != nil {
		return Status{}, fmt.Errorf("%s: decode reply: %w", op, err)
	}
	return st, nil
}

// Flows returns every cached flow direction.
func (c *Client) Flows() ([]Flow, error) {
	const op = "dump flows"
	msgs, err := c.execute(op, CmdGetFlows, nil, netlink.Request|netlink.Dump)
	if err != nil {
		return nil, err
	}
	flows := make([]Flow, 0, len(msgs))
	for i, msg := range msgs {
		flow, err := decodeFlow(msg.Data)
		if err != nil {
			return nil, fmt.Errorf("%s: decode message %d: %w", op, i, err)
		}
		flows = append(flows, flow)
	}
	return flows, nil
}

// SetConfig changes the fields of cfg that are not nil, all or nothing.
func (c *Client) SetConfig(cfg Config) error {
	const op = "set config"
	attrs, err := encodeConfig(cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return c.change(op, CmdSetConfig, attrs)
}

// Attach adds a device: a bridge to the bridges, any other device to the
// uplinks.
func (c *Client) Attach(name string) error {
	return c.changeDevice("attach "+name, CmdAttach, name)
}

// Detach removes a device from the bridges or the uplinks.
func (c *Client) Detach(name string) error {
	return c.changeDevice("detach "+name, CmdDetach, name)
}

// Flush drops every cached flow.
func (c *Client) Flush() error {
	return c.change("flush", CmdFlush, nil)
}

func (c *Client) changeDevice(op string, cmd uint8, name string) error {
	attrs, err := nameAttr(name)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return c.change(op, cmd, attrs)
}

// change sends a request that has no reply. It asks for an
// acknowledgement, as otherwise success would leave nothing to wait for.
func (c *Client) change(op string, cmd uint8, attrs []byte) error {
	_, err := c.execute(op, cmd, attrs, netlink.Request|netlink.Acknowledge)
	return err
}

// execute sends one request and returns its replies, with errors
// translated by requestError.
func (c *Client) execute(op string, cmd uint8, attrs []byte, flags netlink.HeaderFlags) ([]genetlink.Message, error) {
	req := genetlink.Message{
		Header: genetlink.Header{Command: cmd, Version: GenlVersion},
		Data:   attrs,
	}
	msgs, err := c.conn.Execute(req, c.family.ID, flags)
	if err != nil {
		return nil, requestError(op, err)
	}
	return msgs, nil
}
