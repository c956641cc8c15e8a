from setuptools import find_packages, setup

from crm_mailbox import __version__ as version

with open("requirements.txt") as f:
	install_requires = [line.strip() for line in f if line.strip() and not line.startswith("#")]

setup(
	name="crm_mailbox",
	version=version,
	description="Turns inbound email into managed CRM work for ERPNext",
	author="crm_mailbox developers",
	author_email="dev@crm-mailbox.invalid",
	packages=find_packages(exclude=["tests", "tests.*"]),
	zip_safe=False,
	include_package_data=True,
	install_requires=install_requires,
	python_requires=">=3.10",
)
