META
key;value
budget;100
vote_type;approval
max_sum_cost;10,0
PROJECTS
project_id;cost
