META
key;value
description;Eight voters, four projects: who got what (tests/engine/report_test.cc works it out)
budget;120
currency;PLN
vote_type;approval
PROJECTS
project_id;cost;name;category;target;latitude;longitude
A;60;Playground;parks;children;50.0;20.0
B;40;Benches;parks,culture;seniors;;
C;30;Library corner;culture;children;50.01;20.02
D;50;Road repair;roads;;;
VOTES
voter_id;vote;sex;age
1;A,B;F;30
2;A,B;M;40
3;A,B;F;16
4;A,B;M;70
5;C;F;30
6;C;F;22
7;A;M;40
8;D;M;
