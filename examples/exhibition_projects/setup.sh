#!/bin/sh
# An exhibition-services company (展览服务公司): every project collects the same forms at the same
# stages (a budget, a design plan, a quote, site photos) and management reads one monthly project
# report. All of it is configuration of the project_sales block: no code.
#
#   sh examples/exhibition_projects/setup.sh            # ./exhibition.db
#   CRM_DATABASE_URL=postgresql://... sh setup.sh      # or any database
#
# Each line is a `crm` command; a line starting with `!` is one that must be refused.
set -eu
export CRM_DATABASE_URL="${CRM_DATABASE_URL:-sqlite:///exhibition.db}"
here=$(dirname "$0")

# --- the deployment and the people -------------------------------------------------------------
crm init --admin admin --admin-name 系统管理员
crm plugins enable customer_resources project_sales
crm teams add 展览事业部
crm users add xu --name 徐静 --role sales --team 展览事业部
crm users add gao --name 高总 --role manager --team 展览事业部

# --- the exhibition pipeline: its own stages, and the forms each one asks for ------------------
crm pipeline set exhibition brief:需求沟通:10 design:方案设计:30 quote:报价:50 contract:签约:70 build:搭建执行:90 done:结项:100:won dropped:放弃:0:lost
crm pipeline require brief budget --label-zh 预算表 --kind record --category exhibition
crm pipeline require design design_plan --label-zh 设计方案 --kind file --category exhibition
crm pipeline require quote quotation --label-zh 报价单 --kind file --category exhibition
crm pipeline require build site_photos --label-zh 现场照片 --kind file --category exhibition
crm pipeline show --category exhibition

# --- one project through its stages --------------------------------------------------------------
crm --as xu customers add 上海博览文化传播有限公司 --industry 教育 --region 华东
crm --as xu projects add 上海博览文化传播 2027春季教育装备展 --amount 380000 --close 2027-03-20 --category exhibition
! crm --as xu projects advance 2027春季教育装备展
crm --as xu projects deliver 2027春季教育装备展 budget --record '{"展位面积": "120㎡", "预算": "380000"}'
crm --as xu projects advance 2027春季教育装备展
crm --as xu projects deliver 2027春季教育装备展 design_plan --file "$here/forms/design-plan.txt"
crm --as xu projects advance 2027春季教育装备展
crm --as xu projects deliver 2027春季教育装备展 quotation --file "$here/forms/quote.txt"
crm --as xu projects advance 2027春季教育装备展
crm --as xu projects advance 2027春季教育装备展
! crm --as xu projects advance 2027春季教育装备展
crm --as xu projects deliver 2027春季教育装备展 site_photos --file "$here/forms/site-photos.txt"
crm --as xu projects show 2027春季教育装备展

# --- the monthly project report, for the manager ------------------------------------------------
crm --as gao report run project-monthly
crm --as gao report run project-monthly --format xlsx -o 项目月报.xlsx
