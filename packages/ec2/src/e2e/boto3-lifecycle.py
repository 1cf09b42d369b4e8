"""boto3 (Debian's python3-boto3), unchanged, through the EC2 lifecycle against a Skyport broker.

Run by boto3.e2e.test.ts with SKYPORT_EC2_ENDPOINT, SKYPORT_EC2_REGION and the access key in
the environment. Every check raises on failure; the last line printed is a JSON summary.
"""
import base64
import json
import os
import sys

import boto3
from botocore.exceptions import ClientError

endpoint = os.environ["SKYPORT_EC2_ENDPOINT"]
region = os.environ["SKYPORT_EC2_REGION"]
ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name=region)
fast = {"Delay": 1, "MaxAttempts": 60}
summary = {}


def expect_error(code, fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as error:
        got = error.response["Error"]["Code"]
        assert got == code, f"expected {code}, got {got}: {error}"
        assert error.response["ResponseMetadata"]["RequestId"], "errors carry the request id"
        return error
    raise AssertionError(f"expected {code}")


regions = [r["RegionName"] for r in ec2.describe_regions()["Regions"]]
assert regions == [region], regions
zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
assert len(zones) == 3, zones
types = {t["InstanceType"] for t in ec2.describe_instance_types()["InstanceTypes"]}
assert {"small", "medium", "flex", "mem"} <= types, types
image = ec2.describe_images(Filters=[{"Name": "name", "Values": ["ubuntu-*"]}])["Images"][0]
assert image["Name"] == "ubuntu-24.04" and image["State"] == "available", image
image_id = image["ImageId"]

key = ec2.create_key_pair(KeyName="py-key")
assert "PRIVATE KEY" in key["KeyMaterial"]
public = ec2.describe_key_pairs(KeyNames=["py-key"], IncludePublicKey=True)["KeyPairs"][0]["PublicKey"]
imported = ec2.import_key_pair(KeyName="py-imported", PublicKeyMaterial=public.encode())
assert imported["KeyFingerprint"] == key["KeyFingerprint"]
ec2.delete_key_pair(KeyName="py-imported")

group_id = ec2.create_security_group(GroupName="py-web", Description="web")["GroupId"]
ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[{"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]}])
perms = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["IpPermissions"]
assert perms[0]["IpProtocol"] == "icmp" and perms[0]["IpRanges"] == [{"CidrIp": "10.1.0.0/16"}], perms
revoked = ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "IpRanges": [{"CidrIp": "10.9.0.0/16"}]}])
assert revoked["Return"] is True and revoked["UnknownIpPermissions"][0]["FromPort"] == 1, revoked

run = ec2.run_instances(
    ImageId=image_id,
    InstanceType="flex",
    MinCount=3,
    MaxCount=3,
    KeyName="py-key",
    UserData="#cloud-config\nruncmd: [echo hi]\n",
    SecurityGroupIds=[group_id],
    TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "env", "Value": "py"}]}],
    ClientToken="py-launch-1",
)
ids = [i["InstanceId"] for i in run["Instances"]]
assert len(ids) == 3 and run["ReservationId"].startswith("r-"), run
ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig=fast)

paginator = ec2.get_paginator("describe_instances")
pages = [len(p["Reservations"]) for p in paginator.paginate(Filters=[{"Name": "tag:env", "Values": ["py"]}], PaginationConfig={"PageSize": 5})]
assert sum(pages) == 3, pages
first = ec2.describe_instances(MaxResults=5)
assert len(first["Reservations"]) == 3 and "NextToken" not in first, first.keys()
expect_error("InvalidParameterCombination", ec2.describe_instances, InstanceIds=ids, MaxResults=5)

ec2.stop_instances(InstanceIds=ids[:1])
ec2.get_waiter("instance_stopped").wait(InstanceIds=ids[:1], WaiterConfig=fast)
ec2.start_instances(InstanceIds=ids[:1])
ec2.get_waiter("instance_running").wait(InstanceIds=ids[:1], WaiterConfig=fast)
ec2.reboot_instances(InstanceIds=ids[:1])
output = ec2.get_console_output(InstanceId=ids[0])
assert output["InstanceId"] == ids[0] and output["Output"], output
ec2.get_waiter("instance_status_ok").wait(InstanceIds=ids, WaiterConfig=fast)

ec2.create_tags(Resources=ids, Tags=[{"Key": "team", "Value": "py"}])
tags = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["team"]}], MaxResults=5)["Tags"]
assert sorted(t["ResourceId"] for t in tags) == sorted(ids), tags
ec2.delete_tags(Resources=ids, Tags=[{"Key": "team"}])

zone = ec2.describe_instances(InstanceIds=ids[:1])["Reservations"][0]["Instances"][0]["Placement"]["AvailabilityZone"]
assert zone in zones, zone
volume_id = ec2.create_volume(AvailabilityZone=zone, Size=3)["VolumeId"]
ec2.get_waiter("volume_available").wait(VolumeIds=[volume_id], WaiterConfig=fast)
ec2.attach_volume(VolumeId=volume_id, InstanceId=ids[0], Device="/dev/vdg")
ec2.get_waiter("volume_in_use").wait(VolumeIds=[volume_id], WaiterConfig=fast)
ec2.detach_volume(VolumeId=volume_id)
ec2.get_waiter("volume_available").wait(VolumeIds=[volume_id], WaiterConfig=fast)
snapshot_id = ec2.create_snapshot(VolumeId=volume_id, TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "Name", "Value": "py-snap"}]}])["SnapshotId"]
ec2.get_waiter("snapshot_completed").wait(SnapshotIds=[snapshot_id], WaiterConfig=fast)
restored = ec2.create_volume(AvailabilityZone=zones[2], SnapshotId=snapshot_id)
assert restored["Size"] == 3 and restored["SnapshotId"] == snapshot_id, restored
ec2.get_waiter("volume_available").wait(VolumeIds=[restored["VolumeId"]], WaiterConfig=fast)
for vid in (volume_id, restored["VolumeId"]):
    ec2.delete_volume(VolumeId=vid)
ec2.delete_snapshot(SnapshotId=snapshot_id)
ec2.get_waiter("volume_deleted").wait(VolumeIds=[volume_id], WaiterConfig=fast)

expect_error("DryRunOperation", ec2.terminate_instances, InstanceIds=ids, DryRun=True)
expect_error("InvalidInstanceID.NotFound", ec2.describe_instances, InstanceIds=["i-0123456789abcdef0"])
expect_error("InvalidInstanceID.Malformed", ec2.stop_instances, InstanceIds=["instance-1"])
expect_error("InvalidGroup.Duplicate", ec2.create_security_group, GroupName="py-web", Description="again")
expect_error("DependencyViolation", ec2.delete_security_group, GroupId=group_id)

result = ec2.terminate_instances(InstanceIds=ids)
assert all(t["PreviousState"]["Name"] == "running" for t in result["TerminatingInstances"]), result
ec2.get_waiter("instance_terminated").wait(InstanceIds=ids, WaiterConfig=fast)
ec2.delete_security_group(GroupId=group_id)
ec2.delete_key_pair(KeyName="py-key")

summary["instances"] = ids
summary["boto3"] = boto3.__version__
print(json.dumps(summary))
