export { libvirtDriver } from './libvirt-driver-factory.js';
export { LIBVIRT_BEHAVIOUR, LIBVIRT_CAPABILITIES } from './libvirt-capabilities.js';
export { DEFAULT_LIBVIRT_SETTINGS, parseLibvirtSettings, parseUri, type LibvirtSettings } from './libvirt-settings.js';
export { domainXml, type DomainSpec } from './domain-xml.js';
